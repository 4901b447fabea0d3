"""Root fields about visits."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.visits.types import VisitConnection, visit_page


@strawberry.type
class VisitQuery:
    @strawberry.field(description="Visits to the children the caller may see, newest first.")
    async def visits(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> VisitConnection:
        return await visit_page(info, child_id=None, first=first, after=after)
