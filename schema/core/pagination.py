"""Keyset pagination for Relay connections: cursors carry the last sort key, never an offset."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from schema.context import Info as RequestInfo
from schema.core.errors import QueryError

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

T = TypeVar("T")
N = TypeVar("N", bound=relay.Node)
K = TypeVar("K")
R = TypeVar("R")
V = TypeVar("V")


def encode_cursor(key: str) -> str:
    """An opaque cursor for a sort key."""
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The sort key inside a cursor; INVALID_CURSOR if it was not made by encode_cursor."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise QueryError("INVALID_CURSOR", "invalid cursor") from exc
    if not raw.startswith("k:"):
        raise QueryError("INVALID_CURSOR", "invalid cursor")
    return raw[2:]


def decode_keyed_cursor(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    """The (sort value, id) pair of a cursor made from `f"{value}|{id}"`."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    value, _, raw_id = key.partition("|")
    try:
        return value, uuid.UUID(raw_id)
    except ValueError as exc:
        raise QueryError("INVALID_CURSOR", "invalid cursor") from exc


def _decode_iso_cursor(cursor: str | None, parse: Callable[[str], V]) -> tuple[V, uuid.UUID] | None:
    keyed = decode_keyed_cursor(cursor)
    if keyed is None:
        return None
    try:
        return parse(keyed[0]), keyed[1]
    except ValueError as exc:
        raise QueryError("INVALID_CURSOR", "invalid cursor") from exc


def decode_timed_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (time, id) pair of a cursor made from `f"{time.isoformat()}|{id}"`."""
    return _decode_iso_cursor(cursor, datetime.fromisoformat)


def decode_dated_cursor(cursor: str | None) -> tuple[date, uuid.UUID] | None:
    """The (day, id) pair of a cursor made from `f"{day.isoformat()}|{id}"`."""
    return _decode_iso_cursor(cursor, date.fromisoformat)


def page_size(first: int | None) -> int:
    """`first` checked against the limits (at most MAX_PAGE_SIZE)."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 < first <= MAX_PAGE_SIZE:
        raise QueryError(
            "OUT_OF_RANGE", "first must be between 1 and {maximum}", {"maximum": MAX_PAGE_SIZE}
        )
    return first


def build_page(
    rows: Sequence[T], size: int, key: Callable[[T], str], to_node: Callable[[T], N]
) -> tuple[list[relay.Edge[N]], relay.PageInfo]:
    """Edges and page info from up to `size + 1` rows fetched after the cursor."""
    has_next = len(rows) > size
    edges = [relay.Edge(cursor=encode_cursor(key(row)), node=to_node(row)) for row in rows[:size]]
    info = relay.PageInfo(
        has_next_page=has_next,
        has_previous_page=False,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return edges, info


def asks_for_total(info: Info[Any, Any]) -> bool:
    """Whether the query selects `totalCount` on the connection being resolved."""
    return any(
        getattr(selection, "name", None) == "totalCount"
        for field in info.selected_fields
        for selection in field.selections
    )


@strawberry.type
class CountedConnection(relay.Connection[relay.NodeType]):
    """A connection that also tells how many items there are in all (counted only when
    asked for: a count is a query of its own)."""

    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match, on all pages.")
    async def total_count(self) -> int:
        return await self.counter()


C = TypeVar("C", bound=CountedConnection[Any])


async def _known(total: int) -> int:
    return total


async def connection(
    info: RequestInfo,
    connection_type: type[C],
    *,
    first: int | None,
    after: str | None,
    cursor: Callable[[str | None], K | None],
    rows: Callable[[AsyncSession, K | None, int], Awaitable[Sequence[R]]] | None = None,
    count: Callable[[AsyncSession], Awaitable[int]] | None = None,
    key: Callable[[R], str],
    node: Callable[[R], N] | None = None,
    nodes: Callable[[Sequence[R]], Awaitable[Sequence[N]]] | None = None,
    first_page: Callable[[AsyncSession, int], Awaitable[tuple[Sequence[R], int]]] | None = None,
    load: Callable[[K | None, int], Awaitable[Sequence[R]]] | None = None,
    load_count: Callable[[], Awaitable[int]] | None = None,
    report: bool = False,
) -> C:
    """One page of a connection, the recipe of every list: `first` checked, the `after`
    cursor decoded (`cursor`: to the sort key `rows` continues after), up to `first + 1`
    rows read through the request's session (`rows(session, key, limit)`), their edges
    (`key`: a row's sort key; `node`: its GraphQL view, or `nodes`: the views of all rows
    at once, for views that read more) and `count` for totalCount, run only when asked.

    `first_page`, if given, reads the first page and the count in one statement, used when
    the query asks for totalCount on the first page.

    A list nested in each item of another list (a case's events) reads through DataLoaders
    instead, so that a page of items costs one statement and not one per item: `load(key,
    limit)` and `load_count()` take the place of `rows` and `count`.

    A `report` (a search) reads the replica while it is fresh (RequestDatabase.report).
    """
    size = page_size(first)
    after_key = cursor(after)
    read = info.context.db.report if report else info.context.db.read
    found: Sequence[R]
    counter: Callable[[], Awaitable[int]]
    if load is not None and load_count is not None:
        found, counter = await load(after_key, size + 1), load_count
    elif rows is not None and count is not None:
        read_rows = rows
        counter = partial(read, count)
        if first_page is not None and after_key is None and asks_for_total(info):
            found, total = await read(lambda s: first_page(s, size + 1))
            counter = partial(_known, total)
        else:
            found = await read(lambda s: read_rows(s, after_key, size + 1))
    else:
        raise TypeError("connection() needs rows and count, or load and load_count")
    if nodes is not None:
        views = list(zip(found, await nodes(found), strict=True))
        edges, page_info = build_page(views, size, lambda view: key(view[0]), lambda view: view[1])
    elif node is not None:
        edges, page_info = build_page(found, size, key, node)
    else:
        raise TypeError("connection() needs node or nodes")
    return connection_type(edges=edges, page_info=page_info, counter=counter)


def search_cursor_key(found: tuple[Any, int]) -> str:
    """The sort key of a ranked search result (a row with `area_code` and `id`, its rank)."""
    row, rank = found
    return f"{rank}:{row.area_code}|{row.id}"


def decode_search_cursor(cursor: str | None) -> tuple[int, str, uuid.UUID] | None:
    """The (rank, area code, id) of a cursor made by `search_cursor_key`."""
    keyed = decode_keyed_cursor(cursor)
    if keyed is None:
        return None
    rank, _, area_code = keyed[0].partition(":")
    if not rank.isdigit():
        raise QueryError("INVALID_CURSOR", "invalid cursor")
    return int(rank), area_code, keyed[1]
