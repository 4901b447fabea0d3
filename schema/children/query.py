"""Root fields about children."""

from __future__ import annotations

import strawberry
from strawberry import relay

from app.store.children import count_children, list_children
from schema.children.types import Child
from schema.context import Info
from schema.core.pagination import (
    CountedConnection,
    build_page,
    decode_keyed_cursor,
    page_size,
)


@strawberry.type(name="ChildConnection")
class ChildConnection(CountedConnection[Child]):
    """A page of children."""


@strawberry.type
class ChildQuery:
    @strawberry.field(description="Children on file that the caller may see, by area.")
    async def children(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ChildConnection:
        size = page_size(first)
        async with info.context.sessions() as session:
            rows = await list_children(session, after=decode_keyed_cursor(after), limit=size + 1)
            total = await count_children(session)
        edges, page_info = build_page(
            rows, size, lambda c: f"{c.area_code}|{c.id}", Child.from_model
        )
        return ChildConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(description="One child by global id; null when there is none for you.")
    async def child(self, info: Info, id: relay.GlobalID) -> Child | None:
        if id.type_name != "Child":
            return None
        nodes = await Child.resolve_nodes(info=info, node_ids=[id.node_id])
        node: Child | None = nodes[0]
        return node
