"""Reading protection cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Case
from app.store.common import live_by_id

CaseKey = tuple[datetime, uuid.UUID]  # (reported_at, id), listed newest first


async def cases_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Case | None]:
    """The live case rows with these ids, in order, None where missing or out of scope."""
    return await live_by_id(session, Case, ids)


async def list_cases(session: AsyncSession, *, after: CaseKey | None, limit: int) -> list[Case]:
    """Live cases, newest report first, after a key (keyset pagination)."""
    query = (
        select(Case)
        .where(Case.deleted_at.is_(None))
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Case.reported_at, Case.id) < tuple_(*after))
    return list(await session.scalars(query))


async def count_cases(session: AsyncSession) -> int:
    """How many live cases the session may see."""
    query = select(func.count()).select_from(Case).where(Case.deleted_at.is_(None))
    return await session.scalar(query) or 0
