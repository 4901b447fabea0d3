"""The audit trail of reads of sensitive fields and of every change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.idnumber import redact_id_numbers
from app.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who did it, as the audit trail records them."""

    label: str
    user_id: uuid.UUID | None = None


@dataclass
class AuditTrail:
    """The sensitive records one request read, collected while it runs."""

    reads: set[str] = field(default_factory=set)

    def read(self, record: str) -> None:
        """Note that a sensitive field of `record` (e.g. `Child:<uuid>`) was shown."""
        self.reads.add(record)


async def write_audit_event(
    session: AsyncSession,
    actor: Actor,
    *,
    action: str,
    records: list[str],
    operation_name: str | None = None,
    query: str | None = None,
    area_code: str | None = None,
    request_id: str | None = None,
) -> None:
    """Add an audit event to the session's transaction (the caller commits it)."""
    await session.execute(
        insert(AuditEvent).values(
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            action=action,
            operation_name=operation_name,
            # A document may spell an ID number out (variables are not kept).
            query_text=None if query is None else redact_id_numbers(query),
            record_ids=sorted(records),
            area_code=area_code,
            request_id=request_id,
        )
    )
