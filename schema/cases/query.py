"""Root fields about protection cases."""

from __future__ import annotations

import strawberry

from app import clock
from app.enums import CaseCategory, CaseStage
from app.store.cases import CaseCriteria, count_cases, list_cases
from schema.cases.types import Case
from schema.context import Info
from schema.core.pagination import (
    CountedConnection,
    build_page,
    decode_timed_cursor,
    page_size,
)


@strawberry.type(name="CaseConnection")
class CaseConnection(CountedConnection[Case]):
    """A page of cases."""


@strawberry.input(description="What to narrow a list of cases to; every field is optional.")
class CaseFilter:
    stage: CaseStage | None = None
    category: CaseCategory | None = None
    overdue: bool | None = strawberry.field(
        default=None, description="Past the deadline of its current stage."
    )


@strawberry.type
class CaseQuery:
    @strawberry.field(description="Protection cases the caller handles, newest report first.")
    async def cases(
        self,
        info: Info,
        filter: CaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CaseConnection:
        size = page_size(first)
        given = filter or CaseFilter()
        criteria = CaseCriteria(stage=given.stage, category=given.category, overdue=given.overdue)
        now = clock.now()
        key = decode_timed_cursor(after)
        rows = await info.context.db.read(
            lambda s: list_cases(s, criteria, now=now, after=key, limit=size + 1)
        )
        edges, page_info = build_page(
            rows, size, lambda c: f"{c.reported_at.isoformat()}|{c.id}", Case.from_model
        )
        return CaseConnection(
            edges=edges,
            page_info=page_info,
            counter=lambda: info.context.db.read(lambda s: count_cases(s, criteria, now=now)),
        )
