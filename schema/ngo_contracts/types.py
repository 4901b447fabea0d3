"""GraphQL types of NGO service contracts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import strawberry
from strawberry import relay

from app import clock
from app.enums import NgoServiceType
from app.models import NgoContract as NgoContractModel
from app.models import Organization
from app.store import ngo_contracts as contract_store
from schema.children.query import ChildConnection
from schema.children.types import Child
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.ids import parse_uuids
from schema.core.nodes import from_row
from schema.core.pagination import (
    CountedConnection,
    connection,
    decode_keyed_cursor,
)

register_enums()


@strawberry.type(description="A government-purchased service contract (政府购买服务) with an NGO.")
class NgoContract(relay.Node):
    id: relay.NodeID[str]
    title: str
    area_code: str = strawberry.field(description="The purchasing county.")
    area_scope: list[str] = strawberry.field(
        description="The areas served (county, townships or villages of that county)."
    )
    service_types: list[NgoServiceType]
    starts_on: date
    ends_on: date = strawberry.field(description="The last day of service.")
    in_force: bool = strawberry.field(description="Today lies between startsOn and endsOn.")
    version: int
    ngo_id: strawberry.ID = strawberry.field(description="The NGO organization's UUID.")
    ngo_name: str
    assigned_child_count: int = strawberry.field(
        description="Children assigned now, of those you may know of: all of them for the "
        "county and the NGO, your own for a township."
    )
    row: strawberry.Private[NgoContractModel]

    @classmethod
    async def from_models(cls, info: Info, rows: Sequence[NgoContractModel]) -> list[NgoContract]:
        """GraphQL views of contract rows, with their counts and NGO names in two queries."""
        if not rows:
            return []
        ids = [row.id for row in rows]
        counts = await info.context.db.read(lambda s: contract_store.assigned_counts(s, ids))
        names = await info.context.db.read(
            lambda s: contract_store.organization_names(s, [row.ngo_id for row in rows])
        )
        today = clock.today()
        return [
            cls._node(row, count, name, today)
            for row, count, name in zip(rows, counts, names, strict=True)
        ]

    @classmethod
    def _node(cls, row: NgoContractModel, count: int, ngo_name: str, today: date) -> NgoContract:
        return from_row(
            cls, row,
            in_force=row.starts_on <= today <= row.ends_on,
            ngo_id=strawberry.ID(str(row.ngo_id)), ngo_name=ngo_name,
            assigned_child_count=count, row=row,
        )  # fmt: skip

    @classmethod
    async def from_model(cls, info: Info, row: NgoContractModel) -> NgoContract:
        """The GraphQL view of one contract row."""
        return (await cls.from_models(info, [row]))[0]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Contracts by id (few at a time: no loader needed)."""
        ids = parse_uuids(node_ids)
        wanted = [i for i in ids if i is not None]
        rows = await info.context.db.read(lambda s: contract_store.contracts_by_id(s, wanted))
        nodes = await cls.from_models(info, [row for row in rows if row is not None])
        by_id = {uuid.UUID(node.id): node for node in nodes}
        return [None if i is None else by_id.get(i) for i in ids]

    @strawberry.field(
        description="The children assigned now that you may see: an NGO sees them (service "
        "view) while the contract is in force, a township its own; a county sees none."
    )
    async def assigned_children(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ChildConnection:
        contract_id = self.row.id
        return await connection(
            info, ChildConnection, first=first, after=after, cursor=decode_keyed_cursor,
            rows=lambda s, key, limit: contract_store.list_assigned_children(
                s, contract_id, after=key, limit=limit
            ),
            count=lambda s: contract_store.count_assigned_children(s, contract_id),
            key=lambda c: f"{c.area_code}|{c.id}", node=lambda c: Child.from_model(c, info),
        )  # fmt: skip


@strawberry.type(description="An NGO a county may buy services from.")
class NgoOrganization(relay.Node):
    id: relay.NodeID[str]
    organization_id: strawberry.ID = strawberry.field(
        description="The UUID createNgoContract takes as ngoId."
    )
    name: str
    area_code: str = strawberry.field(description="Where the NGO is registered.")
    phone: str | None

    @classmethod
    def from_model(cls, org: Organization) -> NgoOrganization:
        """The GraphQL view of an NGO's organization row."""
        return from_row(cls, org, organization_id=strawberry.ID(str(org.id)))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Not reachable through `node`: the directory is listed, not looked up."""
        return [None for _ in node_ids]


@strawberry.type(name="NgoOrganizationConnection")
class NgoOrganizationConnection(CountedConnection[NgoOrganization]):
    """A page of NGOs."""


@strawberry.type(name="NgoContractConnection")
class NgoContractConnection(CountedConnection[NgoContract]):
    """A page of contracts."""
