"""Reading the staff register: people by area and role (bounded by the rule authz gives),
their trainings and the extra roles the policy grants them; and the public cards of who made
a record (a visit, a case's step, a child's file), read whatever the caller's scope (users
have no row-level security): a card is only ever shown as a field of a record the caller can
already see."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.enums import Role
from app.models import CasbinRule, Organization, StaffTraining, User


def _register(
    visible: ColumnElement[bool], area_code: str | None, role: Role | None, active: bool | None
) -> list[ColumnElement[bool]]:
    terms = [visible, User.deleted_at.is_(None)]
    if area_code:
        terms.append(User.area_code.startswith(area_code, autoescape=True))
    if role is not None:
        terms.append(User.role == role)
    if active is not None:
        terms.append(User.is_active.is_(active))
    return terms


async def list_staff(
    session: AsyncSession,
    visible: ColumnElement[bool],
    *,
    area_code: str | None,
    role: Role | None,
    active: bool | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[User]:
    """People the `visible` rule (authz.predicates.staff_visible) admits, by area code (the
    county's staff first, then down to the villages) and id."""
    query = (
        select(User)
        .where(*_register(visible, area_code, role, active))
        .order_by(User.area_code, User.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(User.area_code, User.id) > tuple_(*after))
    return list(await session.scalars(query))


async def count_staff(
    session: AsyncSession,
    visible: ColumnElement[bool],
    *,
    area_code: str | None,
    role: Role | None,
    active: bool | None,
) -> int:
    """How many people the rule and the filters admit."""
    query = (
        select(func.count()).select_from(User).where(*_register(visible, area_code, role, active))
    )
    return await session.scalar(query) or 0


async def staff_by_id(
    session: AsyncSession, visible: ColumnElement[bool], ids: list[uuid.UUID]
) -> list[User]:
    """The people with these ids that the rule admits."""
    query = select(User).where(User.id.in_(ids), visible, User.deleted_at.is_(None))
    return list(await session.scalars(query))


# Trainings listed per person: years of refreshers, more than anyone has.
MAX_TRAININGS = 50


async def trainings_by_user(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> list[list[StaffTraining]]:
    """Each person's latest MAX_TRAININGS trainings, latest first, in one statement."""
    ranked = (
        select(
            StaffTraining,
            func.row_number()
            .over(
                partition_by=StaffTraining.user_id,
                order_by=(StaffTraining.trained_on.desc(), StaffTraining.created_at.desc()),
            )
            .label("n"),
        )
        .where(StaffTraining.user_id.in_(user_ids))
        .subquery()
    )
    training = aliased(StaffTraining, ranked)
    rows = await session.scalars(
        select(training).where(ranked.c.n <= MAX_TRAININGS).order_by(ranked.c.n)
    )
    found: dict[uuid.UUID, list[StaffTraining]] = defaultdict(list)
    for row in rows:
        found[row.user_id].append(row)
    return [found.get(user_id, []) for user_id in user_ids]


async def grants_by_subject(
    session: AsyncSession, subjects: Sequence[str]
) -> list[list[tuple[str, str]]]:
    """The (role, area pattern) grants of each policy subject (`user:<username>`), as the
    rule table holds them now (not the enforcer, which reloads on the table's notice)."""
    rows = await session.execute(
        select(CasbinRule.v0, CasbinRule.v1, CasbinRule.v2)
        .where(CasbinRule.ptype == "g", CasbinRule.v0.in_(subjects))
        .order_by(CasbinRule.v0, CasbinRule.v2, CasbinRule.v1)
    )
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for subject, role, domain in rows:
        found[subject].append((role, domain))
    return [found.get(subject, []) for subject in subjects]


@dataclass(frozen=True)
class StaffCardRow:
    """A person's account and the organization they work for (None: none on file)."""

    user: User
    organization: Organization | None


async def staff_cards_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[StaffCardRow | None]:
    """The cards of these accounts, in order, in one statement (each with its organization);
    deleted and inactive accounts too: a record names who made it, even one who has left."""
    query = (
        select(User, Organization)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .where(User.id.in_(ids))
    )
    found = {user.id: StaffCardRow(user, org) for user, org in (await session.execute(query)).all()}
    return [found.get(user_id) for user_id in ids]
