"""The read audit for supervisors: who read which child's file or full ID number, and when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from app.domain.validation import EARLIEST_DATE
from app.store.audit import AuditCriteria, count_audit_reads, list_audit_reads
from schema.audit.types import AuditEventConnection, AuditEventNode
from schema.context import Info
from schema.core.errors import QueryError
from schema.core.pagination import connection, decode_timed_cursor
from schema.core.payloads import uuid_of


def _moment(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise QueryError("MISSING_TIMEZONE", "the time needs a time zone offset")
    # Year 1 east of UTC is before year 1 in UTC, which PostgreSQL cannot be sent.
    if value is not None and value.date() < EARLIEST_DATE:
        raise QueryError("TOO_EARLY", "the date is before {minimum}", {"minimum": EARLIEST_DATE})
    return value


def _criteria(
    child_id: relay.GlobalID | None,
    user_id: strawberry.ID | None,
    start: datetime | None,
    end: datetime | None,
) -> AuditCriteria:
    if child_id is None and user_id is None:
        raise QueryError("REQUIRED", "give a childId or a userId")
    try:
        user = None if user_id is None else uuid.UUID(str(user_id))
    except ValueError as exc:
        raise QueryError("INVALID_ID", "not a UUID") from exc
    return AuditCriteria(
        child_id=uuid_of(child_id, "Child"), user_id=user, start=_moment(start), end=_moment(end)
    )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="For county civil affairs and administrators: who was shown which "
        "child's file in full (and whether with the full ID number), newest first, for the "
        "children of your area; by child, by user or both, from `from` (inclusive) to `to` "
        "(exclusive). Empty for everyone else."
    )
    async def audit_events(
        self,
        info: Info,
        child_id: relay.GlobalID | None = None,
        user_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="A user's UUID (`me { id }`).")
        ] = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AuditEventConnection:
        criteria = _criteria(child_id, user_id, from_, to)
        return await connection(
            info, AuditEventConnection, first=first, after=after, cursor=decode_timed_cursor,
            rows=lambda s, key, limit: list_audit_reads(s, criteria, after=key, limit=limit),
            count=lambda s: count_audit_reads(s, criteria),
            key=lambda r: f"{r[0].occurred_at.isoformat()}|{r[0].id}",
            node=lambda r: AuditEventNode.from_model(*r),
        )  # fmt: skip
