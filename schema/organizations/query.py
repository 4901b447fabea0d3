"""The organization directory."""

from __future__ import annotations

import strawberry

from app.enums import OrganizationKind
from app.store import organizations as organization_store
from authz.predicates import organization_directory
from schema.context import Info
from schema.core.pagination import connection, decode_keyed_cursor
from schema.organizations.types import Organization, OrganizationConnection


@strawberry.type
class OrganizationQuery:
    @strawberry.field(
        description="For those who refer cases (转介): the organizations placed in their areas "
        "and in the areas containing them, by area code. `kind`: only of this kind; "
        "`areaCode`: only those serving this area (placed in it or in an area containing "
        "it). Empty for everyone else."
    )
    async def organizations(
        self,
        info: Info,
        kind: OrganizationKind | None = None,
        area_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> OrganizationConnection:
        visible = organization_directory(info.context.scope)
        return await connection(
            info, OrganizationConnection, first=first, after=after,
            cursor=decode_keyed_cursor,
            rows=lambda s, key, limit: organization_store.list_organizations(
                s, visible, kind=kind, area_code=area_code, after=key, limit=limit
            ),
            count=lambda s: organization_store.count_organizations(
                s, visible, kind=kind, area_code=area_code
            ),
            key=lambda o: f"{o.area_code}|{o.id}", node=Organization.from_model,
        )  # fmt: skip
