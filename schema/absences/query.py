"""What schools read: the follow-up status of their pupils at risk of dropping out."""

from __future__ import annotations

import strawberry

from app.enums import DropoutFollowUp
from app.store.absences import count_dropout_statuses, list_dropout_statuses
from schema.absences.types import StudentFollowUp, StudentFollowUpConnection
from schema.context import Info
from schema.core.pagination import build_page, decode_timed_cursor, page_size


@strawberry.type
class AbsenceQuery:
    @strawberry.field(
        description="For a school: its pupils' dropout follow-ups (persuasion under way, "
        "returned, not returned), newest first. Empty for everyone else."
    )
    async def student_follow_ups(
        self,
        info: Info,
        status: DropoutFollowUp | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> StudentFollowUpConnection:
        size = page_size(first)
        key = decode_timed_cursor(after)
        rows = await info.context.db.read(
            lambda s: list_dropout_statuses(s, status=status, after=key, limit=size + 1)
        )
        edges, page_info = build_page(
            rows, size, lambda r: f"{r.reported_at.isoformat()}|{r.id}", StudentFollowUp.from_model
        )
        return StudentFollowUpConnection(
            edges=edges,
            page_info=page_info,
            counter=lambda: info.context.db.read(
                lambda s: count_dropout_statuses(s, status=status)
            ),
        )
