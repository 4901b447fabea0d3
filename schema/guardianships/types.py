"""GraphQL types of entrusted guardianship (委托监护)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from app.enums import GuardianCapacity, GuardianRelation, GuardianshipStatus
from app.idcrypto import Sealed
from app.models import Guardianship as GuardianshipModel
from app.store import json_sql
from schema.compiler.mapping import SqlType
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.id_numbers import sealed_id_number, shown_id_number
from schema.core.nodes import from_row, global_id, load_nodes

register_enums()


@strawberry.type(description="An entrusted guardianship (委托监护).")
class Guardianship(relay.Node):
    id: relay.NodeID[str]
    guardian_name: str
    relation: GuardianRelation
    phone: str | None
    capacity: GuardianCapacity
    capacity_assessed_at: datetime | None
    agreement_signed: bool
    confirmed_at: datetime | None
    starts_on: date
    ends_on: date | None
    status: GuardianshipStatus
    version: int
    child_id: strawberry.ID = strawberry.field(description="The child's global id.")
    area_code: strawberry.Private[str]
    sealed_id_number: strawberry.Private[Sealed | None]

    @classmethod
    def from_model(cls, g: GuardianshipModel) -> Guardianship:
        """The GraphQL view of a guardianship row."""
        return from_row(
            cls, g,
            child_id=global_id("Child", g.child_id),
            sealed_id_number=GuardianshipModel.id_number.sealed(g),
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Guardianships by id through the request's loader."""
        return await load_nodes(info.context.loaders.guardianship, node_ids, cls.from_model)

    @strawberry.field(description="The guardian's ID number: full, masked or absent by role.")
    def id_number(self, info: Info) -> str | None:
        record = f"Guardianship:{self.id}"
        return shown_id_number(info, self.sealed_id_number, self.area_code, record)


GUARDIANSHIP_SQL = SqlType(
    name="Guardianship",
    model=GuardianshipModel,
    columns={"childId": lambda row, _c: json_sql.global_id("Child", row.child_id)},
    computed={"idNumber": sealed_id_number(GuardianshipModel.id_number, "Guardianship")},
)
"""How SQL serves a guardianship's fields (schema/compiler)."""
