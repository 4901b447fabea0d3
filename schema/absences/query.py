"""What schools read: the follow-up status of their pupils at risk of dropping out."""

from __future__ import annotations

import strawberry

from app.enums import DropoutFollowUp
from app.store.absences import count_dropout_statuses, list_dropout_statuses
from schema.absences.types import StudentFollowUp, StudentFollowUpConnection
from schema.context import Info
from schema.core.pagination import connection, decode_timed_cursor


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
        return await connection(
            info, StudentFollowUpConnection, first=first, after=after,
            cursor=decode_timed_cursor,
            rows=lambda s, key, limit: list_dropout_statuses(
                s, status=status, after=key, limit=limit
            ),
            count=lambda s: count_dropout_statuses(s, status=status),
            key=lambda r: f"{r.reported_at.isoformat()}|{r.id}", node=StudentFollowUp.from_model,
        )  # fmt: skip
