"""Reading areas."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Area


async def areas_by_code(session: AsyncSession, codes: Sequence[str]) -> list[Area | None]:
    """The areas with these codes, in the same order, None where a code is unknown."""
    found = {
        area.code: area for area in await session.scalars(select(Area).where(Area.code.in_(codes)))
    }
    return [found.get(code) for code in codes]


async def child_areas(
    session: AsyncSession, parent_code: str | None, *, after: str | None, limit: int
) -> list[Area]:
    """Areas directly under `parent_code` (provinces when None), by code, after a code."""
    query = select(Area).order_by(Area.code).limit(limit)
    query = query.where(
        Area.parent_code.is_(None) if parent_code is None else Area.parent_code == parent_code
    )
    if after is not None:
        query = query.where(Area.code > after)
    return list(await session.scalars(query))


async def count_child_areas(session: AsyncSession, parent_code: str | None) -> int:
    """How many areas lie directly under `parent_code`."""
    condition = (
        Area.parent_code.is_(None) if parent_code is None else Area.parent_code == parent_code
    )
    return await session.scalar(select(func.count()).select_from(Area).where(condition)) or 0
