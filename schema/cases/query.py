"""Root fields about protection cases."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from app.store.cases import count_cases, list_cases
from schema.cases.types import Case
from schema.context import Info
from schema.core.pagination import (
    CountedConnection,
    PaginationError,
    build_page,
    decode_keyed_cursor,
    page_size,
)


@strawberry.type(name="CaseConnection")
class CaseConnection(CountedConnection[Case]):
    """A page of cases."""


def _case_key(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    keyed = decode_keyed_cursor(cursor)
    if keyed is None:
        return None
    try:
        return datetime.fromisoformat(keyed[0]), keyed[1]
    except ValueError as exc:
        raise PaginationError("invalid cursor") from exc


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
