"""Reading the duplicates passed on to be reconciled (scoped: those of the caller's places)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import DuplicateReport


async def list_duplicate_reports(
    session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[DuplicateReport]:
    """The reports the session may see, latest attempt first."""
    query = select(DuplicateReport).order_by(
        DuplicateReport.reported_at.desc(), DuplicateReport.id.desc()
    )
    if after is not None:
        query = query.where(
            tuple_(DuplicateReport.reported_at, DuplicateReport.id) < tuple_(*after)
        )
    return list(await session.scalars(query.limit(limit)))


async def count_duplicate_reports(session: AsyncSession) -> int:
    """How many reports the session may see."""
    return await session.scalar(select(func.count()).select_from(DuplicateReport)) or 0
