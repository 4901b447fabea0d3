"""Reading households."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Household, Parent


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


async def households_with_parents(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[tuple[Household | None, list[Parent]]]:
    """Each household with its live parents (father first), in one statement."""
    rows = await session.execute(
        select(Household, Parent)
        .outerjoin(Parent, and_(Parent.household_id == Household.id, Parent.deleted_at.is_(None)))
        .where(Household.id.in_(ids), Household.deleted_at.is_(None))
        .order_by(Household.id, Parent.relation, Parent.id)
    )
    found: dict[uuid.UUID, tuple[Household, list[Parent]]] = {}
    for household, parent in rows:
        entry = found.setdefault(household.id, (household, []))
        if parent is not None:
            entry[1].append(parent)
    return [found.get(household_id, (None, [])) for household_id in ids]
