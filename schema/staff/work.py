"""`staffWork`: the supervisor's view of the directors' work, and the county's assessment
numbers (考核) per township (docs/staff.md, "Supervisor's view and assessment")."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from app.domain.quarters import quarter_label
from app.domain.staff_work import CHILD_MEASURES, STAFF_MEASURES
from app.enums import AreaLevel, Role
from app.services.statistics.staff_work import (
    AreaWork,
    DirectorWork,
    StaffWorkReport,
    WorkCounts,
    staff_work_report,
)
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import QueryError, day_asked
from schema.core.nodes import global_id

register_enums()

WITHHELD = (
    "Null when withheld: counts of children from 1 to 4 for callers above the township "
    "(small-cell protection, as areaStatistics), named in `suppressed`."
)
RATE = "A share from 0 to 1; null when there is nothing to divide or a part is withheld."
NOW = " Counted now, whatever the quarter."
QUARTER = " Counted in the quarter."
_FIELDS = {m.name: m.field for m in (*CHILD_MEASURES, *STAFF_MEASURES)}


def _suppressed(counts: WorkCounts) -> list[str]:
    hidden = sorted(_FIELDS[name] for name in counts.hidden if name in _FIELDS)
    if {"children", "visited"} & counts.hidden:
        hidden.append("visitCoverage")
    return hidden


@strawberry.type(
    name="DirectorWork",
    description="One village director in post (儿童主任) and their work: the children and "
    "cases of their village, and the visits they recorded in the quarter.",
)
class DirectorStaffWork:
    staff_id: strawberry.ID = strawberry.field(
        description="The director's entry of the staff register (a Staff node's id)."
    )
    name: str
    role: Role
    village_code: str
    village_name: str
    appointed_on: date | None
    trained_on: date | None = strawberry.field(
        description="The day of their latest passed training; null: never trained."
    )
    refresher_due: date | None = strawberry.field(
        description="When the yearly refresher falls due (seed 002); null when never trained."
    )
    training_owed: bool = strawberry.field(
        description="Never trained, or the refresher due within 30 days or past."
    )
    children_in_files: int | None = strawberry.field(
        description="Active children on file in the village." + NOW + " " + WITHHELD
    )
    key_children: int | None = strawberry.field(description="Of them, key children (重点儿童).")
    visited_children: int | None = strawberry.field(
        description="Of them, those visited (by anyone)." + QUARTER
    )
    visit_coverage: float | None = strawberry.field(
        description="visitedChildren / childrenInFiles. " + RATE
    )
    visits_done: int = strawberry.field(
        description="Visits the director recorded as visitor." + QUARTER
    )
    visits_overdue: int | None = strawberry.field(
        description="Children of the village whose next visit was due before today "
        "(as visitsOverdue in areaStatistics)." + NOW
    )
    open_cases: int | None = strawberry.field(description="Cases of the village not closed." + NOW)
    overdue_cases: int | None = strawberry.field(
        description="Of them, those past their stage's deadline (as casesOverdue)." + NOW
    )
    last_activity_at: datetime | None = strawberry.field(
        description="The director's latest visit or audited action; null: none on record."
    )
    suppressed: list[str] = strawberry.field(description="The counts withheld.")

    @classmethod
    def of(cls, row: DirectorWork) -> DirectorStaffWork:
        """A director's row as the caller may see it."""
        person, counts = row.person, row.counts
        return cls(
            staff_id=global_id("Staff", person.id),
            name=person.name,
            role=person.role,
            village_code=person.area_code,
            village_name=row.village_name,
            appointed_on=person.appointed_on,
            trained_on=person.trained_on,
            refresher_due=row.refresher_due,
            training_owed=row.training_owed,
            children_in_files=counts.count("children"),
            key_children=counts.count("key_children"),
            visited_children=counts.count("visited"),
            visit_coverage=counts.share("visited", "children"),
            visits_done=person.visits_done,
            visits_overdue=counts.count("visits_overdue"),
            open_cases=counts.count("open_cases"),
            overdue_cases=counts.count("cases_overdue"),
            last_activity_at=person.last_activity_at,
            suppressed=_suppressed(counts),
        )


@strawberry.type(
    name="AreaStaffWork",
    description="A township's or a county's staff work summed over its villages, with the "
    "assessment numbers (考核) of seed 002: villages with a director, directors trained, "
    "supervisors, visit coverage and overdue work.",
)
class AreaStaffWork:
    area_code: str
    area_name: str
    townships: int = strawberry.field(description="Townships counted (1 for a township).")
    townships_with_supervisor: int = strawberry.field(
        description="Of them, those with a supervisor (儿童督导员) in post."
    )
    villages: int = strawberry.field(description="Villages and communities of the area.")
    villages_with_director: int = strawberry.field(
        description="Of them, those with a director (儿童主任) in post."
    )
    director_coverage: float | None = strawberry.field(
        description="villagesWithDirector / villages. " + RATE
    )
    directors: int = strawberry.field(description="Village directors in post.")
    trained_directors: int = strawberry.field(
        description="Of them, those whose passed training is less than a year old."
    )
    training_rate: float | None = strawberry.field(
        description="trainedDirectors / directors. " + RATE
    )
    supervisors: int = strawberry.field(description="Township supervisors in post.")
    children_in_files: int | None = strawberry.field(
        description="Active children on file." + NOW + " " + WITHHELD
    )
    key_children: int | None
    visited_children: int | None = strawberry.field(
        description="Children on file visited in the quarter."
    )
    visit_coverage: float | None = strawberry.field(
        description="visitedChildren / childrenInFiles: the quarterly check of every child "
        "(seed 004). " + RATE
    )
    visits_done: int = strawberry.field(
        description="Visits recorded by the area's directors." + QUARTER
    )
    visits_overdue: int | None
    open_cases: int | None
    overdue_cases: int | None
    last_activity_at: datetime | None = strawberry.field(
        description="The latest visit or audited action of the area's directors."
    )
    suppressed: list[str] = strawberry.field(description="The counts withheld.")

    @classmethod
    def of(cls, row: AreaWork) -> AreaStaffWork:
        """A township's or county's row as the caller may see it."""
        counts = row.counts
        return cls(
            area_code=row.code,
            area_name=row.name,
            townships=row.townships,
            townships_with_supervisor=row.townships_with_supervisor,
            villages=counts.values["villages"],
            villages_with_director=counts.values["villages_with_director"],
            director_coverage=counts.share("villages_with_director", "villages"),
            directors=counts.values["directors"],
            trained_directors=counts.values["trained_directors"],
            training_rate=counts.share("trained_directors", "directors"),
            supervisors=counts.values["supervisors"],
            children_in_files=counts.count("children"),
            key_children=counts.count("key_children"),
            visited_children=counts.count("visited"),
            visit_coverage=counts.share("visited", "children"),
            visits_done=counts.values["visits_done"],
            visits_overdue=counts.count("visits_overdue"),
            open_cases=counts.count("open_cases"),
            overdue_cases=counts.count("cases_overdue"),
            last_activity_at=row.last_activity_at,
            suppressed=_suppressed(counts),
        )


@strawberry.type(
    description="The staff work of a township (a row per village director) or of a county (a "
    "row per township) in a quarter."
)
class StaffWork:
    area_code: str
    area_name: str
    level: AreaLevel
    quarter: str = strawberry.field(description="The quarter, as people write it: 2026Q4.")
    period_start: date
    period_end: date
    total: AreaStaffWork = strawberry.field(description="The area's own numbers.")
    directors: list[DirectorStaffWork] = strawberry.field(
        description="A township's directors in post, by village; empty for a county."
    )
    townships: list[AreaStaffWork] = strawberry.field(
        description="A county's townships, by code; empty for a township."
    )

    @classmethod
    def of(cls, report: StaffWorkReport) -> StaffWork:
        """The report's GraphQL view."""
        return cls(
            area_code=report.area,
            area_name=report.name,
            level=report.level,
            quarter=quarter_label(report.quarter),
            period_start=report.quarter,
            period_end=report.quarter_end,
            total=AreaStaffWork.of(report.total),
            directors=[DirectorStaffWork.of(row) for row in report.directors],
            townships=[AreaStaffWork.of(row) for row in report.townships],
        )


@strawberry.type
class StaffWorkQuery:
    @strawberry.field(
        description="The supervisor's view (seed 002: supervisors follow and assess the "
        "directors): for a township (9-digit code), a row per village director in post; for "
        "a county (6-digit code), a row per township with the county's assessment numbers. "
        "`quarter` is any day of the quarter (default: the current one); visits are counted "
        "in it, the other counts now. For callers holding `staff_work read` over the area: "
        "a township's supervisors, a county's civil-affairs staff. Counts of children from 1 "
        "to 4 are withheld from the county (but its townships' overdue visits and cases); "
        "villages' counts of children are not shown to the county. A day after today is "
        "refused (FUTURE_DATE); anyone else, or an area that is not a township or county, "
        "gets NOT_FOUND."
    )
    async def staff_work(
        self, info: Info, area_code: str, quarter: date | None = None
    ) -> StaffWork:
        day = day_asked(quarter, "quarter")
        report = await info.context.db.report(
            lambda s: staff_work_report(s, info.context.scope, area_code, day, on_screen=True)
        )
        if report is None:
            raise QueryError(
                "NOT_FOUND", "no staff work of area {area} for you", {"area": area_code}
            )
        return StaffWork.of(report)
