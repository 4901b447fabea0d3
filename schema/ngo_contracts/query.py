"""Root fields about NGO service contracts."""

from __future__ import annotations

import strawberry
from strawberry import relay

from app import clock
from app.store import ngo_contracts as contract_store
from authz.predicates import ngo_directory
from schema.context import Info
from schema.core.pagination import connection, decode_dated_cursor, decode_keyed_cursor
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
        today = clock.today()
        return await connection(
            info, NgoContractConnection, first=first, after=after, cursor=decode_dated_cursor,
            rows=lambda s, key, limit: contract_store.list_contracts(
                s, today=today, in_force=in_force, after=key, limit=limit
            ),
            count=lambda s: contract_store.count_contracts(s, today=today, in_force=in_force),
            key=lambda c: f"{c.starts_on.isoformat()}|{c.id}",
            # The views read the contracts' counts and NGO names, for all rows at once.
            nodes=lambda rows: NgoContract.from_models(info, rows),
        )  # fmt: skip

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
        visible = ngo_directory(info.context.scope)
        return await connection(
            info, NgoOrganizationConnection, first=first, after=after,
            cursor=decode_keyed_cursor,
            rows=lambda s, key, limit: contract_store.list_ngos(
                s, visible, name=name, after=key, limit=limit
            ),
            count=lambda s: contract_store.count_ngos(s, visible, name=name),
            key=lambda o: f"{o.name}|{o.id}", node=NgoOrganization.from_model,
        )  # fmt: skip
