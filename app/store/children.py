"""Reading children. Sessions are scoped (authz/session.py): only visible rows come back."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Child
from app.store.common import live_by_id

ChildKey = tuple[str, uuid.UUID]  # (area_code, id): the order children are listed in
# Marks queries that list children rather than look them up; authorization may treat them
# differently (authz/session.py).
LISTING = {"shouhu_listing": True}


async def children_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Child | None]:
    """The live child rows with these ids, in order, None where missing or out of scope."""
    return await live_by_id(session, Child, ids)


async def children_by_household(
    session: AsyncSession, household_ids: Sequence[uuid.UUID]
) -> list[list[Child]]:
    """The live children of each household, by name."""
    grouped: dict[uuid.UUID, list[Child]] = defaultdict(list)
    rows = await session.scalars(
        select(Child)
        .where(Child.household_id.in_(household_ids), Child.deleted_at.is_(None))
        .order_by(Child.birth_date, Child.id)
    )
    for child in rows:
        grouped[child.household_id].append(child)
    return [grouped[household_id] for household_id in household_ids]


async def list_children(
    session: AsyncSession, *, after: ChildKey | None, limit: int
) -> list[Child]:
    """Live children ordered by area then id, after a key (keyset pagination)."""
    query = (
        select(Child)
        .where(Child.deleted_at.is_(None))
        .order_by(Child.area_code, Child.id)
        .limit(limit)
        .execution_options(**LISTING)
    )
    if after is not None:
        query = query.where(tuple_(Child.area_code, Child.id) > tuple_(*after))
    return list(await session.scalars(query))


async def count_children(session: AsyncSession) -> int:
    """How many live children the session may see."""
    query = (
        select(func.count())
        .select_from(Child)
        .where(Child.deleted_at.is_(None))
        .execution_options(**LISTING)
    )
    return await session.scalar(query) or 0
