"""Searching children and households by their stored keys (app/domain/search.py), ranked.

The keys are matched with `&&` on a GIN-indexed text[]; the record itself is read through
the scoped session as every list is (only rows the caller may see), and the caller's search
rule (authz/fields.py) decides which kinds of key may match, ID numbers only in the areas
where the caller sees them in full.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import Text

from app.domain.search import Kind, Rank, Wanted, wanted
from app.models import Child, ChildSearchKeys, Household, HouseholdSearchKeys
from app.services.search_keys import lookup_secrets
from app.store.children import LISTING, ChildCriteria
from authz.fields import SearchRule
from authz.predicates import area_in

# (rank, area code, id): the order results are listed in
SearchKey = tuple[int, str, uuid.UUID]


@dataclass(frozen=True)
class Search:
    """A query's keys, as the caller's rule lets them match."""

    keys: tuple[Wanted, ...]
    rule: SearchRule

    @classmethod
    def of(cls, query: str, rule: SearchRule) -> Search:
        """The keys `query` looks for (under every hash key of the ring), of allowed kinds."""
        keys = {w for secret in lookup_secrets() for w in wanted(query, secret=secret)}
        allowed = sorted((w for w in keys if w.kind in rule.kinds), key=lambda w: w.key)
        return cls(tuple(allowed), rule)

    def _has(self, column: InstrumentedAttribute[Any], keys: list[str]) -> ColumnElement[bool]:
        overlap: ColumnElement[bool] = column.overlap(bindparam(None, keys, type_=ARRAY(Text)))
        return overlap

    def _matching(
        self,
        column: InstrumentedAttribute[Any],
        area: InstrumentedAttribute[str],
        keys: list[Wanted],
    ) -> ColumnElement[bool]:
        plain = [w.key for w in keys if w.kind is not Kind.ID_NUMBER]
        sealed = [w.key for w in keys if w.kind is Kind.ID_NUMBER]
        terms = [self._has(column, plain)] if plain else []
        if sealed:
            terms.append(and_(self._has(column, sealed), area_in(area, self.rule.id_number_areas)))
        return or_(*terms) if terms else false()

    def condition(
        self, column: InstrumentedAttribute[Any], area: InstrumentedAttribute[str]
    ) -> ColumnElement[bool]:
        """A record matches: it has one of the keys."""
        return self._matching(column, area, list(self.keys))

    def rank(
        self, column: InstrumentedAttribute[Any], area: InstrumentedAttribute[str]
    ) -> ColumnElement[int]:
        """The best rank of a matching record."""
        ranks = sorted({w.rank for w in self.keys})
        whens = [
            (self._matching(column, area, [w for w in self.keys if w.rank == r]), literal(int(r)))
            for r in ranks
        ]
        if not whens:
            return literal(int(max(Rank)) + 1, Integer)
        return case(*whens, else_=literal(int(max(Rank)) + 1))


def _children(
    search: Search, criteria: ChildCriteria, today: date
) -> tuple[Select[Child, int], ColumnElement[int]]:
    keys, area = ChildSearchKeys.keys, Child.area_code
    rank = search.rank(keys, area).label("rank")
    query = (
        select(Child, rank)
        .join(ChildSearchKeys, ChildSearchKeys.child_id == Child.id)
        .where(*criteria.conditions(today), search.condition(keys, area))
        .execution_options(**LISTING)
    )
    return query, rank


async def search_children(
    session: AsyncSession,
    search: Search,
    criteria: ChildCriteria,
    *,
    today: date,
    after: SearchKey | None,
    limit: int,
) -> list[tuple[Child, int]]:
    """Matching children with their rank, best first (then by area and id), after a key."""
    query, rank = _children(search, criteria, today)
    if after is not None:
        query = query.where(tuple_(rank, Child.area_code, Child.id) > tuple_(*after))
    query = query.order_by(rank, Child.area_code, Child.id).limit(limit)
    return [(child, found) for child, found in (await session.execute(query)).all()]


async def count_search_children(
    session: AsyncSession, search: Search, criteria: ChildCriteria, *, today: date
) -> int:
    """How many children match."""
    query, _rank = _children(search, criteria, today)
    counted = select(func.count()).select_from(query.subquery())
    return await session.scalar(counted.execution_options(**LISTING)) or 0


def _households(
    search: Search, area_prefix: str | None
) -> tuple[Select[Household, int], ColumnElement[int]]:
    keys, area = HouseholdSearchKeys.keys, Household.area_code
    rank = search.rank(keys, area).label("rank")
    query = (
        select(Household, rank)
        .join(HouseholdSearchKeys, HouseholdSearchKeys.household_id == Household.id)
        .where(Household.deleted_at.is_(None), search.condition(keys, area))
    )
    if area_prefix is not None:
        query = query.where(Household.area_code.startswith(area_prefix, autoescape=True))
    return query, rank


async def search_households(
    session: AsyncSession,
    search: Search,
    *,
    area_prefix: str | None,
    after: SearchKey | None,
    limit: int,
) -> list[tuple[Household, int]]:
    """Matching households with their rank, best first (then by area and id), after a key."""
    query, rank = _households(search, area_prefix)
    if after is not None:
        query = query.where(tuple_(rank, Household.area_code, Household.id) > tuple_(*after))
    query = query.order_by(rank, Household.area_code, Household.id).limit(limit)
    return [(household, found) for household, found in (await session.execute(query)).all()]


async def count_search_households(
    session: AsyncSession, search: Search, *, area_prefix: str | None
) -> int:
    """How many households match."""
    query, _rank = _households(search, area_prefix)
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0
