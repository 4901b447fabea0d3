"""What township supervisors and counties reconcile: duplicates passed on to them."""

from __future__ import annotations

import strawberry

from app.store.reconciliation import count_duplicate_reports, list_duplicate_reports
from schema.context import Info
from schema.core.pagination import build_page, decode_timed_cursor, page_size
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
        size = page_size(first)
        key = decode_timed_cursor(after)
        rows = await info.context.db.read(
            lambda s: list_duplicate_reports(s, after=key, limit=size + 1)
        )
        edges, page_info = build_page(
            rows,
            size,
            lambda r: f"{r.reported_at.isoformat()}|{r.id}",
            lambda r: DuplicateReport.from_model(r, info),
        )
        return DuplicateReportConnection(
            edges=edges,
            page_info=page_info,
            counter=lambda: info.context.db.read(count_duplicate_reports),
        )
