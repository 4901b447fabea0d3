"""Reading children. Sessions are scoped (authz/session.py): only visible rows come back."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    case,
    cast,
    false,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.schedule import add_months
from app.enums import ChildCategory, ChildStatus, LivingArrangement
from app.models import Child, ChildMove, ChildMoveRequest
from app.store.common import live_by_id

ChildKey = tuple[str, uuid.UUID]  # (area_code, id): the order children are listed in
# Marks queries that list children rather than look them up; authorization may treat them
# differently (authz/session.py).
LISTING = {"shouhu_listing": True}


@dataclass(frozen=True)
class ChildCriteria:
    """What a list of children is narrowed to (all optional)."""

    area_prefix: str | None = None
    category: ChildCategory | None = None
    key_child: bool | None = None
    living_alone: bool | None = None
    without_confirmed_guardian: bool | None = None
    visit_overdue: bool | None = None
    name: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    status: ChildStatus = ChildStatus.ACTIVE

    def conditions(self, today: date) -> list[ColumnElement[bool]]:
        """The WHERE conditions of these criteria, as of `today`."""
        terms: list[ColumnElement[bool]] = [
            Child.deleted_at.is_(None),
            Child.status == self.status,
        ]
        if self.area_prefix is not None:
            terms.append(Child.area_code.startswith(self.area_prefix, autoescape=True))
        if self.category is not None:
            terms.append(Child.categories.contains([self.category]))
        if self.key_child is not None:
            terms.append(Child.is_key_child.is_(self.key_child))
        if self.living_alone is not None:
            alone = Child.living_arrangement == LivingArrangement.ALONE
            terms.append(alone if self.living_alone else ~alone)
        if self.without_confirmed_guardian is not None:
            terms.append(Child.has_confirmed_guardian.is_(not self.without_confirmed_guardian))
        if self.visit_overdue is not None:
            overdue = Child.next_visit_due < today
            terms.append(overdue if self.visit_overdue else ~overdue)
        if self.name:
            terms.append(Child.name.contains(self.name.strip(), autoescape=True))
        if self.min_age is not None:
            # Aged at least N: born on or before today N years ago.
            terms.append(Child.birth_date <= add_months(today, -12 * self.min_age))
        if self.max_age is not None:
            # Aged at most N: not yet N + 1.
            terms.append(Child.birth_date > add_months(today, -12 * (self.max_age + 1)))
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            terms.append(false())
        return terms


async def children_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Child | None]:
    """The live child rows with these ids, in order, None where missing or out of scope."""
    return await live_by_id(session, Child, ids)


async def children_by_household(
    session: AsyncSession, household_ids: Sequence[uuid.UUID]
) -> list[list[Child]]:
    """The live children of each household, eldest first (not those merged into another)."""
    grouped: dict[uuid.UUID, list[Child]] = defaultdict(list)
    rows = await session.scalars(
        select(Child)
        .where(
            Child.household_id.in_(household_ids),
            Child.deleted_at.is_(None),
            Child.merged_into_id.is_(None),
        )
        .order_by(Child.birth_date, Child.id)
    )
    for child in rows:
        grouped[child.household_id].append(child)
    return [grouped[household_id] for household_id in household_ids]


def _listed(
    query: Select[tuple[Child]], criteria: ChildCriteria, today: date
) -> Select[tuple[Child]]:
    return query.where(*criteria.conditions(today)).execution_options(**LISTING)


async def list_children(
    session: AsyncSession,
    criteria: ChildCriteria,
    *,
    today: date,
    after: ChildKey | None,
    limit: int,
) -> list[Child]:
    """Children matching the criteria, by area then id, after a key (keyset pagination)."""
    query = _listed(select(Child), criteria, today).order_by(Child.area_code, Child.id)
    if after is not None:
        query = query.where(tuple_(Child.area_code, Child.id) > tuple_(*after))
    return list(await session.scalars(query.limit(limit)))


async def first_page_with_total(
    session: AsyncSession, criteria: ChildCriteria, *, today: date, limit: int
) -> tuple[list[Child], int]:
    """The first page and the number of all matching children, in one statement (a window
    count is computed over every match before the limit applies)."""
    query = (
        select(Child, func.count().over().label("total"))
        .where(*criteria.conditions(today))
        .execution_options(**LISTING)
        .order_by(Child.area_code, Child.id)
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    return [child for child, _total in rows], (rows[0].total if rows else 0)


async def count_children(session: AsyncSession, criteria: ChildCriteria, *, today: date) -> int:
    """How many children match the criteria."""
    query = (
        select(func.count())
        .select_from(Child)
        .where(*criteria.conditions(today))
        .execution_options(**LISTING)
    )
    return await session.scalar(query) or 0


async def list_due_children(
    session: AsyncSession, *, due_by: date, after: tuple[date, uuid.UUID] | None, limit: int
) -> list[Child]:
    """Active children whose next visit is due by `due_by`, soonest first."""
    query = _listed(select(Child), ChildCriteria(), due_by).where(Child.next_visit_due <= due_by)
    if after is not None:
        query = query.where(tuple_(Child.next_visit_due, Child.id) > tuple_(*after))
    query = query.order_by(Child.next_visit_due, Child.id).limit(limit)
    return list(await session.scalars(query))


async def count_due_children(session: AsyncSession, *, due_by: date) -> int:
    """How many active children are due for a visit by `due_by`."""
    query = (
        select(func.count())
        .select_from(Child)
        .where(*ChildCriteria().conditions(due_by), Child.next_visit_due <= due_by)
        .execution_options(**LISTING)
    )
    return await session.scalar(query) or 0


async def moves_by_child(
    session: AsyncSession, child_ids: Sequence[uuid.UUID]
) -> list[list[ChildMove]]:
    """Each child's moves between villages, oldest first."""
    grouped: dict[uuid.UUID, list[ChildMove]] = defaultdict(list)
    rows = await session.scalars(
        select(ChildMove)
        .where(ChildMove.child_id.in_(child_ids), ChildMove.deleted_at.is_(None))
        .order_by(ChildMove.moved_at)
    )
    for move in rows:
        grouped[move.child_id].append(move)
    return [grouped[child_id] for child_id in child_ids]


async def list_move_requests(
    session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[ChildMoveRequest]:
    """The requested moves the session may see (either side), latest request first."""
    query = select(ChildMoveRequest).order_by(
        ChildMoveRequest.requested_at.desc(), ChildMoveRequest.id.desc()
    )
    if after is not None:
        query = query.where(
            tuple_(ChildMoveRequest.requested_at, ChildMoveRequest.id) < tuple_(*after)
        )
    return list(await session.scalars(query.limit(limit)))


async def count_move_requests(session: AsyncSession) -> int:
    """How many requested moves the session may see."""
    return await session.scalar(select(func.count()).select_from(ChildMoveRequest)) or 0


def age_on_sql(birth_date: ColumnElement[date], today: date) -> ColumnElement[int]:
    """`app.domain.classification.age_on(birth_date, today)` in SQL: completed years, a
    29 February birthday reached on 1 March in common years."""
    before_birthday = tuple_(
        func.extract("month", birth_date), func.extract("day", birth_date)
    ) > tuple_(literal(today.month), literal(today.day))
    return cast(
        today.year - func.extract("year", birth_date) - case((before_birthday, 1), else_=0),
        Integer,
    )
