"""Root fields about protection cases."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from app.store.cases import count_cases, list_cases
from schema.cases.types import Case
from schema.context import Info
from schema.core.ids import parse_uuids
from schema.core.pagination import (
    CountedConnection,
    PaginationError,
    build_page,
    decode_cursor,
    page_size,
)


@strawberry.type(name="CaseConnection")
class CaseConnection(CountedConnection[Case]):
    """A page of cases."""


def _case_key(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    moment, _, raw_id = key.partition("|")
    parsed = parse_uuids([raw_id])[0]
    try:
        when = datetime.fromisoformat(moment)
    except ValueError as exc:
        raise PaginationError("invalid cursor") from exc
    if parsed is None:
        raise PaginationError("invalid cursor")
    return when, parsed


@strawberry.type
class CaseQuery:
    @strawberry.field(description="Protection cases the caller handles, newest report first.")
    async def cases(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> CaseConnection:
        size = page_size(first)
        async with info.context.sessions() as session:
            rows = await list_cases(session, after=_case_key(after), limit=size + 1)
            total = await count_cases(session)
        edges, page_info = build_page(
            rows, size, lambda c: f"{c.reported_at.isoformat()}|{c.id}", Case.from_model
        )
        return CaseConnection(edges=edges, page_info=page_info, total_count=total)
