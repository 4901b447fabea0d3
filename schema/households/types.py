"""GraphQL types of households."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from app.models import Household as HouseholdModel
from schema.children.types import Child, Parent
from schema.context import Info
from schema.core.nodes import load_nodes


@strawberry.type(description="A household (家庭) in a village.")
class Household(relay.Node):
    id: relay.NodeID[str]
    area_code: str
    address: str
    phone: str | None
    minimum_allowance: bool
    extreme_poverty: bool
    registered_poverty: bool
    version: int

    @classmethod
    def from_model(cls, household: HouseholdModel) -> Household:
        """The GraphQL view of a household row."""
        return cls(
            id=str(household.id),
            area_code=household.area_code,
            address=household.address,
            phone=household.phone,
            minimum_allowance=household.minimum_allowance,
            extreme_poverty=household.extreme_poverty,
            registered_poverty=household.registered_poverty,
            version=household.version,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Households by id through the request's loader."""
        return await load_nodes(info.context.loaders.household, node_ids, cls.from_model)

    @strawberry.field(description="The household's children on file (a family: a short list).")
    async def children(self, info: Info) -> list[Child]:
        rows = await info.context.loaders.household_children.load(uuid.UUID(self.id))
        return [Child.from_model(row, info) for row in rows]

    @strawberry.field(description="The parents (a short list).")
    async def parents(self, info: Info) -> list[Parent]:
        rows = await info.context.loaders.household_parents.load(uuid.UUID(self.id))
        return [Parent.from_model(row) for row in rows]
