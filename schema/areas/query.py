"""Root fields about areas."""

from __future__ import annotations

import strawberry

from app.store.areas import child_areas, count_child_areas
from schema.areas.types import Area, AreaConnection
from schema.context import Info
from schema.core.pagination import build_page, decode_cursor, page_size


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
        size = page_size(first)
        key = decode_cursor(after)
        rows = await info.context.db.read(
            lambda s: child_areas(s, parent_code, after=key, limit=size + 1)
        )
        edges, page_info = build_page(rows, size, lambda a: a.code, Area.from_model)
        return AreaConnection(
            edges=edges,
            page_info=page_info,
            counter=lambda: info.context.db.read(lambda s: count_child_areas(s, parent_code)),
        )
