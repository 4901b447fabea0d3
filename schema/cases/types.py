"""GraphQL types of protection cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from app import clock
from app.domain.case_deadlines import is_case_overdue
from app.domain.workflow import CaseAction
from app.enums import CaseCategory, CaseStage, DropoutFollowUp, ReportSource
from app.models import Case as CaseModel
from authz.guard import case_actions
from schema.children.types import Child
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row, global_id, load_nodes

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
