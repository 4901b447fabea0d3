"""GraphQL types of protection cases."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from app.enums import CaseCategory, CaseStage
from app.models import Case as CaseModel
from schema.children.types import Child
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import load_nodes

register_enums()


@strawberry.type(description="A protection case (个案), opened by a mandatory report.")
class Case(relay.Node):
    id: relay.NodeID[str]
    area_code: str
    category: CaseCategory
    stage: CaseStage
    reported_at: datetime
    child_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, case: CaseModel) -> Case:
        """The GraphQL view of a case row."""
        return cls(
            id=str(case.id),
            area_code=case.area_code,
            category=case.category,
            stage=case.stage,
            reported_at=case.reported_at,
            child_id=case.child_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Cases by id through the request's loader."""
        return await load_nodes(info.context.loaders.case, node_ids, cls.from_model)

    @strawberry.field(
        description="The child the case is about; null when out of the caller's scope."
    )
    async def child(self, info: Info) -> Child | None:
        row = await info.context.loaders.child.load(self.child_id)
        return None if row is None else Child.from_model(row)
