"""GraphQL types of protection cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from app import clock
from app.domain.case_deadlines import is_case_overdue
from app.domain.workflow import CaseAction, allowed_actions
from app.enums import CaseCategory, CaseStage, DropoutFollowUp, ReferralStatus, ReportSource
from app.models import Case as CaseModel
from app.models import CaseReferral as CaseReferralModel
from schema.children.types import Child
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row, global_id, load_nodes
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

    @strawberry.field(description="The workflow steps the current stage allows.")
    def next_actions(self) -> list[CaseAction]:
        return allowed_actions(self.stage)

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
