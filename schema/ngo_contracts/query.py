"""Root fields about NGO service contracts."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from app import clock
from app.store import ngo_contracts as contract_store
from authz.predicates import ngo_directory
from schema.context import Info
from schema.core.errors import QueryError
from schema.core.pagination import build_page, decode_keyed_cursor, page_size
from schema.ngo_contracts.types import (
    NgoContract,
    NgoContractConnection,
    NgoOrganization,
    NgoOrganizationConnection,
)


@strawberry.type
class ContractQuery:
    @strawberry.field(
        description="Service contracts you may see: a county's, an NGO's own, and those "
        "serving a township; newest start first. `inForce`: only those in force today "
        "(true) or not (false)."
    )
    async def ngo_contracts(
        self,
        info: Info,
        in_force: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NgoContractConnection:
        size = page_size(first)
        keyed = decode_keyed_cursor(after)
        try:
            key = None if keyed is None else (date.fromisoformat(keyed[0]), keyed[1])
        except ValueError as exc:
            raise QueryError("INVALID_CURSOR", "invalid cursor") from exc
        today = clock.today()
        rows = await info.context.db.read(
            lambda s: contract_store.list_contracts(
                s, today=today, in_force=in_force, after=key, limit=size + 1
            )
        )
        nodes = await NgoContract.from_models(info, rows)
        edges, page_info = build_page(
            nodes, size, lambda n: f"{n.starts_on.isoformat()}|{n.id}", lambda n: n
        )
        return NgoContractConnection(
            edges=edges,
            page_info=page_info,
            counter=lambda: info.context.db.read(
                lambda s: contract_store.count_contracts(s, today=today, in_force=in_force)
            ),
        )

    @strawberry.field(description="One contract by global id; null when there is none for you.")
    async def ngo_contract(self, info: Info, id: relay.GlobalID) -> NgoContract | None:
        if id.type_name != "NgoContract":
            return None
        node: NgoContract | None = (
            await NgoContract.resolve_nodes(info=info, node_ids=[id.node_id])
        )[0]
        return node

    @strawberry.field(
        description="For a county that buys services: the NGOs it may contract with (registered "
        "in its area or an area containing it), by name. Empty for everyone else."
    )
    async def ngo_organizations(
        self,
        info: Info,
        name: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NgoOrganizationConnection:
        size = page_size(first)
        key = decode_keyed_cursor(after)
        visible = ngo_directory(info.context.scope)
        rows = await info.context.db.read(
            lambda s: contract_store.list_ngos(s, visible, name=name, after=key, limit=size + 1)
        )
        edges, page_info = build_page(
            rows, size, lambda o: f"{o.name}|{o.id}", NgoOrganization.from_model
        )
        return NgoOrganizationConnection(
            edges=edges,
            page_info=page_info,
            counter=lambda: info.context.db.read(
                lambda s: contract_store.count_ngos(s, visible, name=name)
            ),
        )
