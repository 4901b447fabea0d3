"""Reading visits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Visit

VisitKey = tuple[datetime, uuid.UUID]  # (visited_at, id), newest first


async def last_visits(session: AsyncSession, child_ids: Sequence[uuid.UUID]) -> list[Visit | None]:
    """Each child's most recent visit (of those the session may see)."""
    query = (
        select(Visit)
        .where(Visit.child_id.in_(child_ids), Visit.deleted_at.is_(None))
        .order_by(Visit.child_id, Visit.visited_at.desc(), Visit.id.desc())
        .ext(distinct_on(Visit.child_id))
    )
    found = {visit.child_id: visit for visit in await session.scalars(query)}
    return [found.get(child_id) for child_id in child_ids]


async def list_visits(
    session: AsyncSession,
    *,
    child_id: uuid.UUID | None,
    after: VisitKey | None,
    limit: int,
    area_prefix: str | None = None,
) -> list[Visit]:
    """Visits (of one child, or all the session may see; in an area and those below it),
    newest first, after a key."""
    query = (
        select(Visit)
        .where(*_narrowed(child_id, area_prefix))
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Visit.visited_at, Visit.id) < tuple_(*after))
    return list(await session.scalars(query))


async def count_visits(
    session: AsyncSession, *, child_id: uuid.UUID | None, area_prefix: str | None = None
) -> int:
    """How many visits (of one child, or all the session may see; in an area and below)."""
    query = select(func.count()).select_from(Visit).where(*_narrowed(child_id, area_prefix))
    return await session.scalar(query) or 0


def _narrowed(child_id: uuid.UUID | None, area_prefix: str | None) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = [Visit.deleted_at.is_(None)]
    if child_id is not None:
        terms.append(Visit.child_id == child_id)
    if area_prefix is not None:
        terms.append(Visit.area_code.startswith(area_prefix, autoescape=True))
    return terms
