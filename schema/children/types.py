"""GraphQL types of a child's file."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from app.domain.idnumber import mask_id_number
from app.models import Child as ChildModel
from authz.fields import Disclosure, id_number_disclosure
from schema.context import Info
from schema.core.nodes import load_nodes

if TYPE_CHECKING:
    from schema.households.types import Household


@strawberry.type(description="A child on file (儿童).")
class Child(relay.Node):
    id: relay.NodeID[str]
    area_code: str
    name: str
    household_id: strawberry.Private[uuid.UUID]
    raw_id_number: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, child: ChildModel) -> Child:
        """The GraphQL view of a child row."""
        return cls(
            id=str(child.id),
            area_code=child.area_code,
            name=child.name,
            household_id=child.household_id,
            raw_id_number=child.id_number,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Children by id through the request's loader."""
        return await load_nodes(info.context.loaders.child, node_ids, cls.from_model)

    @strawberry.field(
        description="ID number (身份证号): in full for the child's own village and township "
        "staff (and audited), masked for other staff, absent for schools and NGOs."
    )
    def id_number(self, info: Info) -> str | None:
        if self.raw_id_number is None:
            return None
        disclosure = id_number_disclosure(info.context.scope, self.area_code)
        if disclosure is Disclosure.FULL:
            info.context.audit.read(f"Child:{self.id}")
            return self.raw_id_number
        if disclosure is Disclosure.MASKED:
            return mask_id_number(self.raw_id_number)
        return None

    @strawberry.field(description="The household; null when the caller may not see it.")
    async def household(
        self, info: Info
    ) -> Annotated[Household, strawberry.lazy("schema.households.types")] | None:
        from schema.households.types import Household

        row = await info.context.loaders.household.load(self.household_id)
        return None if row is None else Household.from_model(row)
