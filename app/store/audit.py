"""Reading the read audit: who read which child's file (scoped: the children of the caller's
`audit read` areas)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, AuditRead


@dataclass(frozen=True)
class AuditCriteria:
    """Whose reads, of which child, when (each optional; the API asks for a child or a
    user)."""

    child_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    start: datetime | None = None
    end: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions of these criteria."""
        terms: list[ColumnElement[bool]] = []
        if self.child_id is not None:
            terms.append(AuditRead.child_id == self.child_id)
        if self.user_id is not None:
            terms.append(AuditRead.actor_user_id == self.user_id)
        if self.start is not None:
            terms.append(AuditRead.occurred_at >= self.start)
        if self.end is not None:
            terms.append(AuditRead.occurred_at < self.end)
        return terms


async def list_audit_reads(
    session: AsyncSession,
    criteria: AuditCriteria,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[tuple[AuditRead, str | None]]:
    """The reads matching the criteria, newest first, each with its request's operation."""
    query = (
        select(AuditRead, AuditEvent.operation_name)
        .join(AuditEvent, AuditEvent.id == AuditRead.event_id)
        .where(*criteria.conditions())
        .order_by(AuditRead.occurred_at.desc(), AuditRead.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(AuditRead.occurred_at, AuditRead.id) < tuple_(*after))
    return [(row, operation) for row, operation in (await session.execute(query)).all()]


async def count_audit_reads(session: AsyncSession, criteria: AuditCriteria) -> int:
    """How many reads match the criteria."""
    query = select(func.count()).select_from(AuditRead).where(*criteria.conditions())
    return await session.scalar(query) or 0
