"""Root fields about areas."""

from __future__ import annotations

import strawberry

from app.store.areas import child_areas, count_child_areas
from schema.areas.types import Area, AreaConnection
from schema.context import Info
from schema.core.pagination import connection, decode_cursor


@strawberry.type
class AreaQuery:
    @strawberry.field(description="Areas directly under `parentCode` (provinces when omitted).")
    async def areas(
        self,
        info: Info,
        parent_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AreaConnection:
        return await connection(
            info, AreaConnection, first=first, after=after, cursor=decode_cursor,
            rows=lambda s, key, limit: child_areas(s, parent_code, after=key, limit=limit),
            count=lambda s: count_child_areas(s, parent_code),
            key=lambda a: a.code, node=Area.from_model,
        )  # fmt: skip
