"""Root fields about children."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay

from app.store.children import count_children, list_children
from schema.children.types import Child
from schema.context import Info
from schema.core.ids import parse_uuids
from schema.core.pagination import (
    CountedConnection,
    PaginationError,
    build_page,
    decode_cursor,
    page_size,
)


@strawberry.type(name="ChildConnection")
class ChildConnection(CountedConnection[Child]):
    """A page of children."""


def _child_key(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    area, _, raw_id = key.partition("|")
    parsed = parse_uuids([raw_id])[0]
    if parsed is None:
        raise PaginationError("invalid cursor")
    return area, parsed


@strawberry.type
class ChildQuery:
    @strawberry.field(description="Children on file that the caller may see, by area.")
    async def children(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ChildConnection:
        size = page_size(first)
        async with info.context.sessions() as session:
            rows = await list_children(session, after=_child_key(after), limit=size + 1)
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
