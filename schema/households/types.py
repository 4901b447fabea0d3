"""GraphQL types of households and their parents."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import strawberry
from strawberry import relay

from app.enums import ContactFrequency, ParentRelation, ParentStatus
from app.idcrypto import Sealed
from app.models import Household as HouseholdModel
from app.models import Parent as ParentModel
from app.store import json_sql
from schema.children.types import Child
from schema.compiler.mapping import Related, SqlType
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.id_numbers import sealed_id_number, shown_id_number
from schema.core.nodes import from_row, global_id, load_nodes
from schema.staff.cards import StaffCard, staff_card

register_enums()


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
    created_by_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, household: HouseholdModel) -> Household:
        """The GraphQL view of a household row."""
        return from_row(cls, household)

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

    @strawberry.field(
        description="Who registered the household: their card (name, role, organization); "
        "null for one registered before this was recorded, by a partner system, or opened "
        "by a report."
    )
    async def registered_by(self, info: Info) -> StaffCard | None:
        return await staff_card(info, self.created_by_id)

    @strawberry.field(description="The parents (a short list).")
    async def parents(self, info: Info) -> list[Parent]:
        rows = await info.context.loaders.household_parents.load(uuid.UUID(self.id))
        return [Parent.from_model(row) for row in rows]


@strawberry.type(description="A parent (父母) in a household.")
class Parent(relay.Node):
    id: relay.NodeID[str]
    relation: ParentRelation
    name: str
    phone: str | None
    status: ParentStatus
    work_place: str | None
    work_province_code: str | None
    away_since: date | None
    contact_frequency: ContactFrequency | None
    last_contact_on: date | None
    home_at_holidays: bool | None
    version: int
    household_id: strawberry.ID = strawberry.field(description="The household's global id.")
    area_code: strawberry.Private[str]
    sealed_id_number: strawberry.Private[Sealed | None]

    @classmethod
    def from_model(cls, parent: ParentModel) -> Parent:
        """The GraphQL view of a parent row."""
        return from_row(
            cls, parent,
            household_id=global_id("Household", parent.household_id),
            sealed_id_number=ParentModel.id_number.sealed(parent),
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Parents by id through the request's loader."""
        return await load_nodes(info.context.loaders.parent, node_ids, cls.from_model)

    @strawberry.field(description="ID number: full, masked or absent by role (see Child).")
    def id_number(self, info: Info) -> str | None:
        return shown_id_number(info, self.sealed_id_number, self.area_code, f"Parent:{self.id}")


HOUSEHOLD_SQL = SqlType(
    name="Household",
    model=HouseholdModel,
    related={
        "parents": Related(
            "Parent",
            link=lambda household, parent, _c: [
                parent.household_id == household.id,
                parent.deleted_at.is_(None),
            ],
            many=True,
            order_by=lambda parent: [parent.relation, parent.id],
        )
    },
)
"""How SQL serves a household's fields (schema/compiler)."""

PARENT_SQL = SqlType(
    name="Parent",
    model=ParentModel,
    columns={"householdId": lambda row, _c: json_sql.global_id("Household", row.household_id)},
    computed={"idNumber": sealed_id_number(ParentModel.id_number, "Parent")},
)
"""How SQL serves a parent's fields (schema/compiler)."""
