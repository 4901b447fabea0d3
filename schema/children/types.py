"""GraphQL types of a child's file: the child and its moves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import String, and_, cast
from strawberry import relay

from app import clock
from app.domain.classification import age_on
from app.enums import (
    ArchiveReason,
    CaseStage,
    ChildCategory,
    ChildStatus,
    Gender,
    GuardianshipStatus,
    KeyChildReason,
    LivingArrangement,
    SchoolStatus,
)
from app.models import Child as ChildModel
from app.store import json_sql
from app.store.children import age_on_sql
from authz.fields import (
    CHILD_FIELDS,
    HIDDEN,
    ChildView,
    Condition,
    Disclosure,
    child_maker_shown,
    child_view,
    full_view_where,
    id_number_disclosure,
    id_number_where,
    shown_where,
)
from schema.compiler.mapping import Compilation, Page, Related, SqlType, Terms
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.id_numbers import sealed_id_number, shown_id_number
from schema.core.nodes import from_row, global_id, load_nodes
from schema.guardianships.types import Guardianship
from schema.staff.cards import StaffCard, staff_card
from schema.visits.types import Visit, VisitConnection, visit_page

if TYPE_CHECKING:
    from schema.cases.types import Case
    from schema.households.types import Household

register_enums()


@strawberry.type(description="A move of a child's file from one village to another.")
class ChildMove:
    from_area_code: str
    to_area_code: str
    moved_at: datetime


@strawberry.type(description="The teacher who looks after a pupil (教师联系帮扶).")
class TeacherInCharge:
    name: str
    phone: str | None


@strawberry.type(description="A child on file (儿童).")
class Child(relay.Node):
    """Plain fields are attributes filled once in `from_model`, with the caller's view
    applied there: a resolver per field costs far more than the work it does."""

    id: relay.NodeID[str]
    area_code: str
    name: str
    gender: Gender
    status: ChildStatus
    version: int
    updated_at: datetime
    household_id: strawberry.ID | None = strawberry.field(
        description="The household's global id; null for schools and NGOs (it would tell "
        "siblings apart)."
    )
    age: int = strawberry.field(description="Age in completed years today.")
    birth_date: date | None
    school_status: SchoolStatus | None
    student_number: str | None
    living_arrangement: LivingArrangement | None
    categories: list[ChildCategory] | None = strawberry.field(
        description="Derived: left-behind, each kind of difficulty, orphan."
    )
    next_visit_due: date | None = strawberry.field(
        description="When the next visit is due: a month (key children) or three months "
        "after the last visit, whoever made it, or the end of the March or September "
        "risk-assessment window if that comes first."
    )
    visit_overdue: bool | None
    last_visit_at: datetime | None = strawberry.field(
        description="When the child was last visited, whoever visited (NGOs included)."
    )
    archived_reason: ArchiveReason | None
    # The full view only (the area's staff and case handlers); null for NGOs and schools.
    is_key_child: bool | None = strawberry.field(
        description="Derived: a key child (重点儿童) gets monthly visits."
    )
    key_child_reasons: list[KeyChildReason] | None = strawberry.field(
        description="Why the child is a key child (derived and recorded)."
    )
    recorded_key_reasons: list[KeyChildReason] | None = strawberry.field(
        description="The reasons staff recorded (those that cannot be derived)."
    )
    no_household_registration: bool | None
    disability: bool | None
    serious_illness: bool | None
    safety_risk: bool | None
    scattered_orphan: bool | None
    has_confirmed_guardian: bool | None = strawberry.field(
        description="A confirmed, capable entrusted guardian is in place."
    )
    missing_since: date | None = strawberry.field(
        description="Missing (走失) since this day; null when not missing."
    )
    school_id: strawberry.ID | None = strawberry.field(
        description="The school the child attends: its organizationId, as ChildInput.schoolId "
        "takes it. For the file's staff and the school itself; null for NGOs."
    )
    teacher_in_charge: TeacherInCharge | None = strawberry.field(
        description="The teacher who looks after the pupil (教师联系帮扶, seed 001): for the "
        "file's staff and the pupil's school; null for NGOs."
    )
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="For a duplicate file merged into the child's file (mergeChildren): that "
        "file's global id. A merged file is archived as a duplicate and listed nowhere."
    )
    merged_at: datetime | None = strawberry.field(description="When the file was merged.")
    row: strawberry.Private[ChildModel]

    @classmethod
    def from_model(cls, child: ChildModel, info: Info) -> Child:
        """The GraphQL view of a child row; the caller's view of it (authz/fields.py's
        table, which the filters obey too) decides which fields are shown."""
        view = child_view(info.context.scope, child.area_code)
        if view is ChildView.FULL:
            info.context.audit.file(child.id, child.area_code)
        today = clock.today()
        due = child.next_visit_due
        # What the row names otherwise or does not hold; then what the view hides, as null.
        values: dict[str, object] = {
            "household_id": global_id("Household", child.household_id),
            "age": age_on(child.birth_date, today),
            "visit_overdue": None if due is None else due < today,
            "key_child_reasons": list(child.key_reasons),
            "school_id": None if child.school_id is None else strawberry.ID(str(child.school_id)),
            "teacher_in_charge": None
            if child.teacher_in_charge_name is None
            else TeacherInCharge(
                name=child.teacher_in_charge_name, phone=child.teacher_in_charge_phone
            ),
            "merged_into_id": None
            if child.merged_into_id is None
            else global_id("Child", child.merged_into_id),
        }
        values.update(HIDDEN[view])
        return from_row(cls, child, row=child, **values)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Children by id through the request's loader."""
        return await load_nodes(
            info.context.loaders.child, node_ids, lambda row: cls.from_model(row, info)
        )

    @strawberry.field(
        description="ID number (身份证号): in full for the child's own village and township "
        "staff (and audited), masked for other staff, absent for schools and NGOs."
    )
    def id_number(self, info: Info) -> str | None:
        sealed = ChildModel.id_number.sealed(self.row)
        full = id_number_disclosure(info.context.scope, self.area_code) is Disclosure.FULL
        if full and sealed is not None:
            info.context.audit.file(self.row.id, self.area_code, id_number=True)
        return shown_id_number(info, sealed, self.area_code, f"Child:{self.id}")

    @strawberry.field(
        description="Who registered the file: their card (name, role, organization). For the "
        "file's staff and case handlers; null for schools and NGOs, and for a file registered "
        "before this was recorded, by a partner system, or opened by a report."
    )
    async def registered_by(self, info: Info) -> StaffCard | None:
        if not child_maker_shown(info.context.scope, self.area_code):
            return None
        return await staff_card(info, self.row.created_by_id)

    @strawberry.field(description="The household; null when the caller may not see it.")
    async def household(
        self, info: Info
    ) -> Annotated[Household, strawberry.lazy("schema.households.types")] | None:
        from schema.households.types import Household

        row = await info.context.loaders.household.load(self.row.household_id)
        return None if row is None else Household.from_model(row)

    @strawberry.field(description="The entrusted guardian now in charge, if any.")
    async def active_guardian(self, info: Info) -> Guardianship | None:
        row = await info.context.loaders.active_guardian.load(self.row.id)
        return None if row is None else Guardianship.from_model(row)

    @strawberry.field(description="Every entrustment, newest first (a short list).")
    async def guardianships(self, info: Info) -> list[Guardianship]:
        rows = await info.context.loaders.guardianships.load(self.row.id)
        return [Guardianship.from_model(row) for row in rows]

    @strawberry.field(
        description="The child's last visit, whoever made it: the one `lastVisitAt` dates and "
        "`nextVisitDue` follows; null when there is none or the caller may not read it."
    )
    async def last_visit(self, info: Info) -> Visit | None:
        row = await info.context.loaders.last_visit.load(self.row.id)
        # The newest visit the caller may read is not the child's last when a later one is
        # hidden from it (an NGO reads only its own visits).
        if row is None or row.visited_at != self.row.last_visit_at:
            return None
        return Visit.from_model(row)

    @strawberry.field(description="Open protection cases about the child.")
    async def open_cases(
        self, info: Info
    ) -> list[Annotated[Case, strawberry.lazy("schema.cases.types")]]:
        from schema.cases.types import Case

        rows = await info.context.loaders.open_cases.load(self.row.id)
        return [Case.from_model(row) for row in rows]

    @strawberry.field(description="Which villages held the file before, oldest move first.")
    async def move_history(self, info: Info) -> list[ChildMove]:
        rows = await info.context.loaders.moves.load(self.row.id)
        return [
            ChildMove(
                from_area_code=m.from_area_code, to_area_code=m.area_code, moved_at=m.moved_at
            )
            for m in rows
        ]

    @strawberry.field
    async def open_case_count(self, info: Info) -> int:
        return len(await info.context.loaders.open_cases.load(self.row.id))

    @strawberry.field(description="The child's visits, newest first.")
    async def visits(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> VisitConnection:
        return await visit_page(info, child_id=self.row.id, first=first, after=after)


def _child_shown(row: Any, compilation: Compilation, name: str) -> Condition:
    # Fields outside the table (the relations, the ID number) follow rules of their own.
    if name not in CHILD_FIELDS:
        return True
    return shown_where(compilation.scope, name, row.area_code)


def _open_cases(child: Any, case: Any, _compilation: Compilation) -> Terms:
    return [case.child_id == child.id, case.stage != CaseStage.CLOSED, case.deleted_at.is_(None)]


def _visits(child: Any, visit: Any, _compilation: Compilation) -> Terms:
    return [visit.child_id == child.id, visit.deleted_at.is_(None)]


def _guardianships(child: Any, guardianship: Any, _compilation: Compilation) -> Terms:
    return [guardianship.child_id == child.id, guardianship.deleted_at.is_(None)]


CHILD_SQL = SqlType(
    name="Child",
    model=ChildModel,
    columns={
        "householdId": lambda row, _c: json_sql.global_id("Household", row.household_id),
        "age": lambda row, c: age_on_sql(row.birth_date, c.today),
        "visitOverdue": lambda row, c: row.next_visit_due < c.today,
        "keyChildReasons": lambda row, _c: row.key_reasons,
        "schoolId": lambda row, _c: cast(row.school_id, String),
        "mergedIntoId": lambda row, _c: json_sql.global_id("Child", row.merged_into_id),
    },
    related={
        "household": Related(
            "Household",
            link=lambda child, h, _c: [h.id == child.household_id, h.deleted_at.is_(None)],
        ),
        "activeGuardian": Related(
            "Guardianship",
            link=lambda child, g, c: [
                *_guardianships(child, g, c),
                g.status == GuardianshipStatus.ACTIVE,
            ],
        ),
        "guardianships": Related(
            "Guardianship",
            link=_guardianships,
            many=True,
            order_by=lambda g: [g.starts_on.desc(), g.id],
        ),
        # The newest visit the caller may read is not the child's last when a later one is
        # hidden from it (an NGO reads only its own visits): then null, as Child.last_visit.
        "lastVisit": Related(
            "Visit",
            link=_visits,
            order_by=lambda v: [v.visited_at.desc(), v.id.desc()],
            keep=lambda child, v: v.visited_at == child.last_visit_at,
        ),
        "openCases": Related(
            "Case",
            link=_open_cases,
            many=True,
            order_by=lambda case: [case.reported_at.desc(), case.id],
        ),
        "openCaseCount": Related("Case", link=_open_cases, count=True),
    },
    pages={
        "visits": Page(
            "Visit",
            link=_visits,
            order_by=lambda v: [v.visited_at.desc(), v.id.desc()],
            cursor_key=lambda v: json_sql.iso_datetime(v.visited_at) + "|" + cast(v.id, String),
        )
    },
    shown=_child_shown,
    computed={"idNumber": sealed_id_number(ChildModel.id_number, "Child")},
    audited=lambda row, c: full_view_where(c.scope, row.area_code),
    id_number_full=lambda row, c: and_(
        json_sql.sql_condition(id_number_where(c.scope, row.area_code)[0]),
        row.id_number_enc.is_not(None),
    ),
    # As resolve_nodes: the live child, through the request's loader.
    node=lambda row, key: [row.id == key, row.deleted_at.is_(None)],
)
"""How SQL serves a child's fields (schema/compiler): the same views as `from_model`."""
