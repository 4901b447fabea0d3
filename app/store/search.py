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
    any_,
    bindparam,
    case,
    cast,
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
from sqlalchemy.types import Text, Uuid

from app.domain.search import Kind, Rank, Wanted, wanted
from app.models import Child, ChildSearchKeys, Household, HouseholdSearchKeys
from app.services.search_keys import lookup_secrets
from app.store.children import LISTING, ChildCriteria
from authz.fields import SearchRule
from authz.patterns import AreaPattern
from authz.predicates import area_in
from authz.scope import Scope

# (rank, area code, id): the order results are listed in
SearchKey = tuple[int, str, uuid.UUID]


@dataclass(frozen=True)
class Search:
    """A query's keys, as the caller's rule lets them match."""

    keys: tuple[Wanted, ...]
    rule: SearchRule
    # Every area the caller may reach (a bound, not the rule: the scoped session decides
    # which records it sees).
    reach: tuple[AreaPattern, ...]

    @classmethod
    def of(cls, query: str, rule: SearchRule, scope: Scope) -> Search:
        """The keys `query` looks for (under every hash key of the ring), of allowed kinds."""
        keys = {w for secret in lookup_secrets() for w in wanted(query, secret=secret)}
        allowed = sorted((w for w in keys if w.kind in rule.kinds), key=lambda w: w.key)
        return cls(tuple(allowed), rule, scope.reach())

    def _has(self, column: InstrumentedAttribute[Any], keys: list[str]) -> ColumnElement[bool]:
        # Literal, not a parameter: a prepared statement's generic plan (after five runs of the
        # same shape) cannot see how rare the keys are, and scans every child in scope.
        literal_keys = bindparam(None, keys, type_=ARRAY(Text), literal_execute=True)
        overlap: ColumnElement[bool] = column.overlap(literal_keys)
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


def _hits(
    search: Search, keys_table: type[ChildSearchKeys] | type[HouseholdSearchKeys], key: Any
) -> Any:
    # The matches and their ranks found first, from the keys and the areas the caller may
    # reach at all (a bitmap AND of both indexes), then joined to the records: left to
    # itself, the planner under row-level security underestimates the caller's records and
    # reads every one of them to look at its keys.
    keys, area = keys_table.keys, keys_table.area_code
    return (
        select(key.label("id"), search.rank(keys, area).label("rank"))
        .where(search.condition(keys, area), area_in(area, search.reach))
        .cte("hits")
        .prefix_with("MATERIALIZED")
    )


def _among(hits: Any) -> Any:
    # `id = ANY(<the matches' ids>)` as well as the join: the records are then read by their
    # primary key, not hashed whole from the caller's areas (which the planner, unable to
    # see past row-level security, expects to be few).
    ids = cast(select(func.array_agg(hits.c.id)).scalar_subquery(), ARRAY(Uuid))
    return any_(ids)


def _children(
    search: Search, criteria: ChildCriteria, today: date
) -> tuple[Select[Child, int], ColumnElement[int]]:
    hits = _hits(search, ChildSearchKeys, ChildSearchKeys.child_id)
    query = (
        select(Child, hits.c.rank)
        .join(hits, hits.c.id == Child.id)
        .where(*criteria.conditions(today), Child.id == _among(hits))
        .execution_options(**LISTING)
    )
    return query, hits.c.rank


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
    hits = _hits(search, HouseholdSearchKeys, HouseholdSearchKeys.household_id)
    query = (
        select(Household, hits.c.rank)
        .join(hits, hits.c.id == Household.id)
        .where(Household.deleted_at.is_(None), Household.id == _among(hits))
    )
    if area_prefix is not None:
        query = query.where(Household.area_code.startswith(area_prefix, autoescape=True))
    return query, hits.c.rank


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
