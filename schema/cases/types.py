"""GraphQL types of protection cases."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import false, func
from strawberry import relay

from app import clock
from app.domain.case_deadlines import is_case_overdue
from app.domain.case_facts import refusal_period_reached, reporter_is_protected
from app.domain.workflow import CaseAction
from app.enums import (
    CaseCategory,
    CaseEventKind,
    CaseMeasure,
    CaseStage,
    DropoutFollowUp,
    PetitionOutcome,
    ReferralStatus,
    ReportSource,
    Role,
)
from app.models import Case as CaseModel
from app.models import CaseEvent as CaseEventModel
from app.models import CaseReferral as CaseReferralModel
from app.models import Organization as OrganizationModel
from app.models import User
from app.store import json_sql
from app.store.cases import CaseStatusRow, EventKey
from authz.fields import reporter_shown
from authz.guard import case_actions
from schema.children.types import Child
from schema.compiler.mapping import Compilation, Computed, Related, SqlType, Terms
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row, global_id, load_nodes
from schema.core.pagination import CountedConnection, connection, decode_timed_cursor
from schema.organizations.types import Organization

register_enums()
strawberry.enum(CaseAction, description="个案操作")


@strawberry.type(description="A protection case (个案), opened by a mandatory report.")
class Case(relay.Node):
    id: relay.NodeID[str]
    area_code: str
    category: CaseCategory
    source: ReportSource
    reported_at: datetime
    description: str
    reported_to_police: bool
    stage: CaseStage
    stage_entered_at: datetime
    due_at: datetime | None
    dropout_follow_up: DropoutFollowUp | None
    closed_at: datetime | None
    close_reason: str | None
    version: int
    child_id: strawberry.ID = strawberry.field(description="The child's global id.")
    row: strawberry.Private[CaseModel]
    case_number: str | None = strawberry.field(
        default=None,
        description="The number its reporter asks about (caseStatus), e.g. 420702-2026-00001; "
        "null for a case reported before numbers were given.",
    )

    @classmethod
    def from_model(cls, case: CaseModel) -> Case:
        """The GraphQL view of a case row."""
        return from_row(cls, case, child_id=global_id("Child", case.child_id), row=case)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Cases by id through the request's loader."""
        return await load_nodes(info.context.loaders.case, node_ids, cls.from_model)

    @strawberry.field(description="Past the deadline of its current stage.")
    def overdue(self) -> bool:
        return is_case_overdue(self.due_at, clock.now())

    @strawberry.field(
        description="The workflow steps the caller may take now: those the stage and the "
        "case's category allow and the caller's permissions allow in the case's area."
    )
    def next_actions(self, info: Info) -> list[CaseAction]:
        return case_actions(info.context.scope, self.stage, self.category, self.area_code)

    @strawberry.field(
        description="The child the case is about; null when out of the caller's scope."
    )
    async def child(self, info: Info) -> Child | None:
        row = await info.context.loaders.child.load(self.row.child_id)
        return None if row is None else Child.from_model(row, info)

    @strawberry.field(
        description="Every referral of the case (转介), newest first: a case may be referred "
        "to several organizations at once."
    )
    async def referrals(self, info: Info) -> list[CaseReferral]:
        rows = await info.context.loaders.case_referrals.load(self.row.id)
        return [CaseReferral.from_model(row) for row in rows]

    @strawberry.field(description="The organization of the latest referral; null when none.")
    async def referred_organization(self, info: Info) -> Organization | None:
        rows = await info.context.loaders.case_referrals.load(self.row.id)
        if not rows:
            return None
        row = await info.context.loaders.organization.load(rows[0].organization_id)
        return None if row is None else Organization.from_model(row)

    @strawberry.field(
        description="The case's history, oldest first: each step with who took it. A new "
        "step is added at the end, so a cursor stays valid while the case goes on."
    )
    async def events(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> CaseEventConnection:
        return await case_event_page(info, self.row.id, first=first, after=after)

    @strawberry.field(
        description="Who reported the case (the unit, the person): null unless the caller's "
        "duty needs it (staff of the area, the protection centre, the police; a member of "
        "the public only to county civil affairs and the police)."
    )
    async def reporter(self, info: Info) -> CaseReporter | None:
        row = self.row
        protected = reporter_is_protected(
            row.source, row.reporter_id is not None, row.reporter_organization_id is not None
        )
        if not reporter_shown(info.context.scope, row.area_code, protected=protected):
            return None
        person = await _person(info, row.reporter_id, row.reporter_organization_id)
        return CaseReporter(
            name=row.reporter_name if person.name is None else person.name,
            role=person.role,
            organization=person.organization,
            source=row.source,
            protected=protected,
            public_name=row.reporter_name,
            phone=row.reporter_phone,
        )

    @strawberry.field(description="The worker the case is assigned to (null: nobody yet).")
    async def assignee(self, info: Info) -> CasePerson | None:
        if self.row.assignee_id is None:
            return None
        return await _person(info, self.row.assignee_id, None)


@strawberry.type(description="Who acted on a case: a person, or only an organization (an API key).")
class CasePerson:
    name: str | None = strawberry.field(description="The person's name; null for an API key.")
    role: Role | None = strawberry.field(description="The person's role; null for an API key.")
    organization: Organization | None


@strawberry.type(description="Who reported a case.")
class CaseReporter:
    name: str | None = strawberry.field(
        description="The reporting person (staff, or a member of the public by name)."
    )
    role: Role | None
    organization: Organization | None = strawberry.field(description="The reporting unit.")
    source: ReportSource
    protected: bool = strawberry.field(
        description="A member of the public, whose identity is protected."
    )
    public_name: str | None = strawberry.field(
        default=None,
        description="The member of the public who reported (by the hotline, in person), when "
        "staff recorded the report for them.",
    )
    phone: str | None = strawberry.field(
        default=None, description="The member of the public's phone, when given."
    )


async def _person(
    info: Info, user_id: uuid.UUID | None, organization_id: uuid.UUID | None
) -> CasePerson:
    """A person (and their organization), or only an organization when there is no person.
    The people of a response are read as staff cards, with their organizations, in one
    statement (schema/staff/cards.py); an organization named apart from its person is
    then mostly already loaded."""
    loaders = info.context.loaders
    card = None if user_id is None else await loaders.staff_card.load(user_id)
    user: User | None = None if card is None else card.user
    organization: OrganizationModel | None = None
    if card is not None and organization_id is None:
        organization = card.organization
    elif organization_id is not None:
        organization = await loaders.organization.load(organization_id)
    return CasePerson(
        name=None if user is None else user.display_name,
        role=None if user is None else user.role,
        organization=None if organization is None else Organization.from_model(organization),
    )


async def _report_maker_shown(info: Info, event: CaseEventModel) -> bool:
    """Whether who made a report (its event's actor: the reporting account, or the staff who
    took a member of the public's report) is shown: authz/fields.reporter_shown's rule, as for
    `Case.reporter`. A report that joined an open case carries its own source and unit; the
    report that opened the case is the case's own."""
    scope, area_code = info.context.scope, event.area_code
    staff = scope.allows("reporter", "read", area_code)
    public = scope.allows("public_reporter", "read", area_code)
    if staff == public:
        return staff  # the same answer whoever reported: nothing more to read
    if event.source is not None:
        protected = reporter_is_protected(
            event.source, event.actor_id is not None, event.reporter_organization_id is not None
        )
    else:
        case = await info.context.loaders.case.load(event.case_id)
        if case is None:
            return False
        protected = reporter_is_protected(
            case.source, case.reporter_id is not None, case.reporter_organization_id is not None
        )
    return reporter_shown(scope, area_code, protected=protected)


@strawberry.type(description="The facts recorded with a measure (the fields of its kind).")
class MeasureDetails:
    place: str | None = strawberry.field(description="Placement: where the child is placed.")
    place_organization_id: strawberry.ID | None = strawberry.field(
        description="Placement: the organization (UUID) the child is placed with."
    )
    starts_on: date | None = strawberry.field(description="Placement: from.")
    ends_on: date | None = strawberry.field(description="Placement: until.")
    court: str | None = strawberry.field(
        description="Protection order: the issuing court; petition: the court petitioned."
    )
    issued_on: date | None = strawberry.field(description="Protection order: issued on.")
    expires_on: date | None = strawberry.field(description="Protection order: expires on.")
    filed_on: date | None = strawberry.field(description="Revocation petition: filed on.")
    outcome: PetitionOutcome | None = strawberry.field(description="Revocation petition.")
    parents_refusing_since: date | None = strawberry.field(
        description="Revocation petition: since when the parents refuse to return or to "
        "take up their duty."
    )
    refusal_period_reached: bool | None = strawberry.field(
        description="Whether that refusal had lasted six months or more (seed 004) on the "
        "day the petition was filed."
    )

    @classmethod
    def from_model(cls, event: CaseEventModel) -> MeasureDetails | None:
        """The facts of a measure's event; None when it has none."""
        details = from_row(
            cls, event,
            place_organization_id=None
            if event.place_organization_id is None
            else strawberry.ID(str(event.place_organization_id)),
            parents_refusing_since=event.refusing_since,
            refusal_period_reached=None
            if event.refusing_since is None or event.filed_on is None
            else refusal_period_reached(event.refusing_since, event.filed_on),
        )  # fmt: skip
        return details if any(vars(details).values()) else None


@strawberry.type(name="CaseEvent", description="One step in a case's history.")
class CaseEvent(relay.Node):
    id: relay.NodeID[str]
    kind: CaseEventKind
    occurred_at: datetime
    from_stage: CaseStage | None
    to_stage: CaseStage | None
    note: str | None
    measure: CaseMeasure | None
    measure_details: MeasureDetails | None
    case_id: strawberry.ID = strawberry.field(description="The case's global id.")
    row: strawberry.Private[CaseEventModel]

    @classmethod
    def from_model(cls, event: CaseEventModel) -> CaseEvent:
        """The GraphQL view of a case event row."""
        return from_row(
            cls, event,
            case_id=global_id("Case", event.case_id),
            measure_details=MeasureDetails.from_model(event),
            row=event,
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Events by id through the request's loader: seen with their case."""
        return await load_nodes(info.context.loaders.case_event, node_ids, cls.from_model)

    @strawberry.field(
        description="Who took the step: the person and their organization. For a report "
        "(REPORTED), who took it is its reporter: shown as `Case.reporter` is, null otherwise."
    )
    async def who(self, info: Info) -> CasePerson | None:
        row = self.row
        if row.actor_id is None and row.actor_organization_id is None:
            return None
        if row.kind is CaseEventKind.REPORTED and not await _report_maker_shown(info, row):
            return None
        return await _person(info, row.actor_id, row.actor_organization_id)

    @strawberry.field(description="A referral: the organization the case was referred to.")
    async def referred_organization(self, info: Info) -> Organization | None:
        if self.row.referred_organization_id is None:
            return None
        row = await info.context.loaders.organization.load(self.row.referred_organization_id)
        return None if row is None else Organization.from_model(row)

    @strawberry.field(description="A hand-over: the worker who had the case (null: nobody).")
    async def handed_from(self, info: Info) -> CasePerson | None:
        if self.row.from_assignee_id is None:
            return None
        return await _person(info, self.row.from_assignee_id, None)

    @strawberry.field(description="A hand-over: the worker who has the case now.")
    async def handed_to(self, info: Info) -> CasePerson | None:
        if self.row.to_assignee_id is None:
            return None
        return await _person(info, self.row.to_assignee_id, None)


@strawberry.type(name="CaseEventConnection")
class CaseEventConnection(CountedConnection[CaseEvent]):
    """A page of a case's history."""


async def case_event_page(
    info: Info, case_id: uuid.UUID, *, first: int | None, after: str | None
) -> CaseEventConnection:
    """A case's events, oldest first, read through the request's loaders (one statement for
    the first pages of every case in a list)."""
    loaders = info.context.loaders

    async def load(key: EventKey | None, limit: int) -> list[CaseEventModel]:
        return await loaders.case_event_page.load((case_id, key, limit))

    return await connection(
        info, CaseEventConnection, first=first, after=after, cursor=decode_timed_cursor,
        load=load, load_count=lambda: loaders.case_event_count.load(case_id),
        key=lambda e: f"{e.occurred_at.isoformat()}|{e.id}", node=CaseEvent.from_model,
    )  # fmt: skip


@strawberry.type(
    description="A referral (转介) of a case to an organization, with its status and the "
    "receiver's feedback."
)
class CaseReferral(relay.Node):
    id: relay.NodeID[str]
    status: ReferralStatus
    note: str | None = strawberry.field(description="The sender's note.")
    feedback: str | None = strawberry.field(
        description="The receiver's: why it declined, or what it did when it completed."
    )
    referred_at: datetime
    responded_at: datetime | None = strawberry.field(description="When accepted or declined.")
    completed_at: datetime | None
    version: int
    case_id: strawberry.ID = strawberry.field(description="The case's global id.")
    row: strawberry.Private[CaseReferralModel]

    @classmethod
    def from_model(cls, referral: CaseReferralModel) -> CaseReferral:
        """The GraphQL view of a referral row."""
        return from_row(cls, referral, case_id=global_id("Case", referral.case_id), row=referral)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Referrals by id through the request's loader."""
        return await load_nodes(info.context.loaders.referral, node_ids, cls.from_model)

    @strawberry.field(description="The organization referred to.")
    async def organization(self, info: Info) -> Organization | None:
        row = await info.context.loaders.organization.load(self.row.organization_id)
        return None if row is None else Organization.from_model(row)

    @strawberry.field(description="The case; null when out of the caller's scope.")
    async def case(self, info: Info) -> Case | None:
        row = await info.context.loaders.case.load(self.row.case_id)
        return None if row is None else Case.from_model(row)


@strawberry.type(
    description="What the reporting unit learns of a case by its number: where it stands."
)
class CaseStatus:
    case_number: str
    stage: CaseStage
    stage_label: str = strawberry.field(description="The stage, in Chinese.")
    open: bool
    last_updated_on: date = strawberry.field(
        description="The day of the case's latest change or history entry."
    )

    @classmethod
    def from_row(cls, row: CaseStatusRow) -> CaseStatus:
        """The status of a case as its reporter gets it."""
        return cls(
            case_number=row.case_number,
            stage=row.stage,
            stage_label=row.stage.label,
            open=not row.closed,
            last_updated_on=clock.local_day(row.last_update),
        )


def _next_actions(compilation: Compilation, inputs: list[Any]) -> list[str]:
    stage, category, area_code = inputs
    # The stored values, as the model loads them (LabeledEnum members by value).
    actions = case_actions(
        compilation.scope,
        CaseStage._value2member_map_[stage],  # type: ignore[arg-type]
        CaseCategory._value2member_map_[category],  # type: ignore[arg-type]
        area_code,
    )
    return [action.name for action in actions]


def _live(key: str) -> Callable[[Any, Any, Compilation], Terms]:
    # The live row a column of the parent names (the request's loaders read those alone).
    return lambda parent, row, _c: [row.id == getattr(parent, key), row.deleted_at.is_(None)]


CASE_SQL = SqlType(
    name="Case",
    model=CaseModel,
    columns={
        "childId": lambda row, _c: json_sql.global_id("Child", row.child_id),
        "overdue": lambda row, c: func.coalesce(row.due_at < c.now, false()),
    },
    related={"child": Related("Child", link=_live("child_id"))},
    # As resolve_nodes: the live case, through the request's loader.
    node=lambda row, key: [row.id == key, row.deleted_at.is_(None)],
    computed={
        "nextActions": Computed(
            inputs=lambda row, _c: [row.stage, row.category, row.area_code], value=_next_actions
        )
    },
)
"""How SQL serves a case's fields (schema/compiler); its next steps are the workflow's."""

CASE_REFERRAL_SQL = SqlType(
    name="CaseReferral",
    model=CaseReferralModel,
    columns={"caseId": lambda row, _c: json_sql.global_id("Case", row.case_id)},
    related={
        # Organizations are read whatever their state (organizations_by_id).
        "organization": Related(
            "Organization", link=lambda referral, org, _c: [org.id == referral.organization_id]
        ),
        "case": Related("Case", link=_live("case_id")),
    },
)
"""How SQL serves a referral's fields (schema/compiler)."""
