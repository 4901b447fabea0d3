"""GraphQL types of area statistics: counts as nullable integers, null when suppressed."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from app.domain.measures import CHILDREN, MEASURES, OPEN_STAGES, VISITED
from app.domain.quarters import quarter_label
from app.enums import AreaLevel, CaseStage, ReportSource
from app.services.statistics.report import Counts, StatisticsReport, TrendPoint
from schema.core.enums import register_enums
from schema.core.pagination import decode_cursor, encode_cursor, page_size

register_enums()

COVERAGE = "visitCoverage"


@strawberry.type(description="Open cases in one stage.")
class StageCount:
    stage: CaseStage
    count: int | None = strawberry.field(description="Null when suppressed.")


@strawberry.type(description="Reports this quarter from one source.")
class SourceCount:
    source: ReportSource
    count: int | None = strawberry.field(description="Null when suppressed.")


def _published(counts: Counts) -> list[str]:
    """The GraphQL names of the counts withheld, the coverage ratio included."""
    names = {m.name: m.field for m in MEASURES}
    hidden = sorted(names[name] for name in counts.hidden if name in names)
    if CHILDREN.name in counts.hidden or VISITED.name in counts.hidden:
        hidden.append(COVERAGE)
    return hidden


@strawberry.type(
    description="An area's counts in the quarter. A null count is suppressed (small-cell "
    "protection): its name is in `suppressed`. Counts are children unless they say otherwise."
)
class AreaCounts:
    area_code: str
    area_name: str
    level: AreaLevel
    children: int | None = strawberry.field(description="Children on file (在册儿童).")
    left_behind: int | None = strawberry.field(description="留守儿童.")
    difficulty_economic: int | None = strawberry.field(description="困境儿童: 家庭经济困难.")
    difficulty_disability: int | None = strawberry.field(description="困境儿童: 残疾.")
    difficulty_illness: int | None = strawberry.field(description="困境儿童: 重病.")
    difficulty_safety: int | None = strawberry.field(description="困境儿童: 安全风险.")
    scattered_orphan: int | None = strawberry.field(description="散居孤儿.")
    key_children: int | None = strawberry.field(description="重点儿童.")
    living_alone: int | None = strawberry.field(description="独居儿童: should be zero.")
    left_behind_without_guardian: int | None = strawberry.field(
        description="Left-behind children without a confirmed, capable entrusted guardian."
    )
    visited: int | None = strawberry.field(description="Children visited this quarter.")
    visit_coverage: float | None = strawberry.field(
        description="visited / children (every child is due a visit each quarter); null when "
        "either is suppressed or there are no children."
    )
    visits_overdue: int | None = strawberry.field(description="Children whose visit is overdue.")
    open_cases_by_stage: list[StageCount] = strawberry.field(
        description="Cases open at the end of the quarter (or now), by stage."
    )
    cases_overdue: int | None = strawberry.field(description="Open cases past their deadline.")
    dropout_cases: int | None = strawberry.field(description="Open dropout (辍学) cases.")
    reports_by_source: list[SourceCount] = strawberry.field(
        description="Mandatory reports made in the quarter, by source."
    )
    absence_days: int | None = strawberry.field(
        description="Unexcused school absences in the quarter, in pupil-days."
    )
    suppressed: list[str] = strawberry.field(
        description="Names of the counts that are suppressed (e.g. `leftBehind`, "
        "`openCasesByStage.assessment`), so a null is never mistaken for missing data."
    )

    @classmethod
    def from_counts(cls, counts: Counts) -> AreaCounts:
        """The GraphQL view of a row of the report."""
        c = counts.count
        return cls(
            area_code=counts.code,
            area_name=counts.name,
            level=counts.level,
            children=c("children"),
            left_behind=c("left_behind"),
            difficulty_economic=c("difficulty_economic"),
            difficulty_disability=c("difficulty_disability"),
            difficulty_illness=c("difficulty_illness"),
            difficulty_safety=c("difficulty_safety"),
            scattered_orphan=c("scattered_orphan"),
            key_children=c("key_children"),
            living_alone=c("living_alone"),
            left_behind_without_guardian=c("without_guardian"),
            visited=c("visited"),
            visit_coverage=counts.ratio("visited", "children"),
            visits_overdue=c("visits_overdue"),
            open_cases_by_stage=[
                StageCount(stage=s, count=c(f"cases_{s.value}")) for s in OPEN_STAGES
            ],
            cases_overdue=c("cases_overdue"),
            dropout_cases=c("dropout_cases"),
            reports_by_source=[
                SourceCount(source=s, count=c(f"reports_{s.value}")) for s in ReportSource
            ],
            absence_days=c("absence_days"),
            suppressed=_published(counts),
        )


@strawberry.type(description="The area's headline counts in one quarter; null when suppressed.")
class StatisticsTrendPoint:
    quarter: str = strawberry.field(description="E.g. 2026Q4.")
    quarter_start: date
    children: int | None
    left_behind: int | None
    key_children: int | None
    left_behind_without_guardian: int | None
    visited: int | None
    visits_overdue: int | None
    cases_overdue: int | None
    suppressed: list[str]

    @classmethod
    def from_point(cls, point: TrendPoint) -> StatisticsTrendPoint:
        """The GraphQL view of one quarter of the trend."""
        c = point.counts.count
        return cls(
            quarter=quarter_label(point.quarter),
            quarter_start=point.quarter,
            children=c("children"),
            left_behind=c("left_behind"),
            key_children=c("key_children"),
            left_behind_without_guardian=c("without_guardian"),
            visited=c("visited"),
            visits_overdue=c("visits_overdue"),
            cases_overdue=c("cases_overdue"),
            suppressed=[f for f in _published(point.counts) if f != COVERAGE],
        )


@strawberry.type(description="A child area's counts and its cursor.")
class AreaCountsEdge:
    cursor: str
    node: AreaCounts


@strawberry.type(
    description="A page of the child areas' counts (the Relay connection shape; the rows "
    "are not nodes: they are counts, not records)."
)
class AreaCountsConnection:
    edges: list[AreaCountsEdge]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description="How many child areas there are.")


@strawberry.type(description="An area's statistics for a quarter: numbers, never names.")
class AreaStatistics:
    report: strawberry.Private[StatisticsReport]
    as_of: date

    @strawberry.field(description="The quarter `asOf` falls in, e.g. 2026Q4.")
    def quarter(self) -> str:
        return quarter_label(self.report.quarter)

    @strawberry.field(description="The first day of the quarter.")
    def quarter_start(self) -> date:
        return self.report.quarter

    @strawberry.field(description="The area itself.")
    def total(self) -> AreaCounts:
        return AreaCounts.from_counts(self.report.total)

    @strawberry.field(
        description="One row per child area (a county's townships, a city's counties…), by "
        "code, areas with nothing on file included. Suppression is decided over all rows."
    )
    def rows(self, first: int | None = None, after: str | None = None) -> AreaCountsConnection:
        size = page_size(first)
        key = decode_cursor(after)
        rows = [r for r in self.report.rows if key is None or r.code > key]
        edges = [
            AreaCountsEdge(cursor=encode_cursor(r.code), node=AreaCounts.from_counts(r))
            for r in rows[:size]
        ]
        return AreaCountsConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=len(rows) > size,
                has_previous_page=False,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=len(self.report.rows),
        )

    @strawberry.field(description="The 8 quarters up to this one, oldest first.")
    def trend(self) -> list[StatisticsTrendPoint]:
        return [StatisticsTrendPoint.from_point(p) for p in self.report.trend]
