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
        async with info.context.sessions() as session:
            rows = await child_areas(
                session, parent_code, after=decode_cursor(after), limit=size + 1
            )
            total = await count_child_areas(session, parent_code)
        edges, page_info = build_page(rows, size, lambda a: a.code, Area.from_model)
        return AreaConnection(edges=edges, page_info=page_info, total_count=total)
