"""What township supervisors and counties reconcile: duplicates passed on to them."""

from __future__ import annotations

import strawberry

from app.store.reconciliation import count_duplicate_reports, list_duplicate_reports
from schema.context import Info
from schema.core.pagination import connection, decode_timed_cursor
from schema.reconciliation.types import DuplicateReport, DuplicateReportConnection


@strawberry.type
class ReconciliationQuery:
    @strawberry.field(
        description="For township supervisors and counties: children registered with an ID "
        "number on file elsewhere, in your areas (where it was tried or where it is on file), "
        "latest first. Empty for everyone else."
    )
    async def duplicate_reports(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> DuplicateReportConnection:
        return await connection(
            info, DuplicateReportConnection, first=first, after=after,
            cursor=decode_timed_cursor,
            rows=lambda s, key, limit: list_duplicate_reports(s, after=key, limit=limit),
            count=count_duplicate_reports,
            key=lambda r: f"{r.reported_at.isoformat()}|{r.id}",
            node=lambda r: DuplicateReport.from_model(r, info),
        )  # fmt: skip
