"""Reading households."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Household, Parent
from app.store.common import live_by_id


async def households_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Household | None]:
    """The live household rows with these ids, in order, None where missing or out of scope."""
    return await live_by_id(session, Household, ids)


async def parents_by_household(
    session: AsyncSession, household_ids: Sequence[uuid.UUID]
) -> list[list[Parent]]:
    """The live parents of each household, father first."""
    grouped: dict[uuid.UUID, list[Parent]] = defaultdict(list)
    rows = await session.scalars(
        select(Parent)
        .where(Parent.household_id.in_(household_ids), Parent.deleted_at.is_(None))
        .order_by(Parent.relation, Parent.id)
    )
    for parent in rows:
        grouped[parent.household_id].append(parent)
    return [grouped[household_id] for household_id in household_ids]


def _households(area_prefix: str | None) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = [Household.deleted_at.is_(None)]
    if area_prefix is not None:
        terms.append(Household.area_code.startswith(area_prefix, autoescape=True))
    return terms


async def list_households(
    session: AsyncSession,
    *,
    area_prefix: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Household]:
    """Live households by area then id, after a key (keyset pagination)."""
    query = select(Household).where(*_households(area_prefix))
    if after is not None:
        query = query.where(tuple_(Household.area_code, Household.id) > tuple_(*after))
    query = query.order_by(Household.area_code, Household.id).limit(limit)
    return list(await session.scalars(query))


async def count_households(session: AsyncSession, *, area_prefix: str | None) -> int:
    """How many live households (under an area)."""
    query = select(func.count()).select_from(Household).where(*_households(area_prefix))
    return await session.scalar(query) or 0
