"""Keeping the derived facts on children rows current (see app/domain/derivation.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import clock
from app.database import session_factory
from app.domain.derivation import derive
from app.domain.facts import ChildFacts
from app.enums import GuardianshipStatus, ParentStatus, VisitKind
from app.models import Child, Guardianship, Household, Parent, Visit
from app.progress import Reporter
from app.services.statistics.refresh import StatisticsSession
from authz.session import DERIVATION_OPTION

# Every read here is of the whole file of children just written to (see DERIVATION_OPTION).
# Beyond the children themselves it reads columns, not rows: a row of the file loaded here
# would stay in the session, where a later lookup by id could find it without the scope.
WHOLE_FILE = {DERIVATION_OPTION: True}


async def refresh_children(
    session: AsyncSession, child_ids: Sequence[uuid.UUID], today: date
) -> int:
    """Re-derive categories, key reasons, guardianship and visit dates of these children.

    Call it in the transaction of any write that changes what they are derived from (a
    parent's status, a household's poverty flags, a guardianship, a visit). It reads each
    child's whole file whoever the caller is: an NGO's visit moves the child's last visit
    and next visit due like anyone's (docs/domain.md, "Visits"). Returns the number of
    children whose derived facts changed.
    """
    if not child_ids:
        return 0
    children = (
        await session.execute(
            select(
                Child,
                Household.minimum_allowance,
                Household.extreme_poverty,
                Household.registered_poverty,
            )
            .join(Household, Household.id == Child.household_id)
            .where(Child.id.in_(child_ids))
            .execution_options(**WHOLE_FILE)
        )
    ).all()
    household_ids = {row.Child.household_id for row in children}
    statuses: dict[uuid.UUID, list[ParentStatus]] = defaultdict(list)
    for household_id, status in await session.execute(
        select(Parent.household_id, Parent.status)
        .where(Parent.household_id.in_(household_ids), Parent.deleted_at.is_(None))
        .execution_options(**WHOLE_FILE)
    ):
        statuses[household_id].append(status)
    guardians = {
        row.child_id: row
        for row in await session.execute(
            select(Guardianship.child_id, Guardianship.capacity, Guardianship.confirmed_at)
            .where(
                Guardianship.child_id.in_(child_ids),
                Guardianship.status == GuardianshipStatus.ACTIVE,
                Guardianship.deleted_at.is_(None),
            )
            .execution_options(**WHOLE_FILE)
        )
    }
    visits = {
        row.child_id: row
        for row in await session.execute(
            select(
                Visit.child_id,
                func.max(Visit.visited_at).label("last_visit"),
                func.max(Visit.visited_at)
                .filter(Visit.kind == VisitKind.RISK_ASSESSMENT)
                .label("last_risk_assessment"),
            )
            .where(Visit.child_id.in_(child_ids), Visit.deleted_at.is_(None))
            .group_by(Visit.child_id)
            .execution_options(**WHOLE_FILE)
        )
    }
    updates = []
    for child, minimum_allowance, extreme_poverty, registered_poverty in children:
        guardian = guardians.get(child.id)
        facts = ChildFacts(
            birth_date=child.birth_date,
            parent_statuses=tuple(statuses.get(child.household_id, ())),
            living_arrangement=child.living_arrangement,
            school_status=child.school_status,
            no_household_registration=child.no_household_registration,
            disability=child.disability,
            serious_illness=child.serious_illness,
            household_minimum_allowance=minimum_allowance,
            household_extreme_poverty=extreme_poverty,
            household_registered_poverty=registered_poverty,
            safety_risk=child.safety_risk,
            scattered_orphan=child.scattered_orphan,
            has_active_guardian=guardian is not None,
            guardian_capacity=guardian.capacity if guardian else None,
            guardianship_confirmed=guardian is not None and guardian.confirmed_at is not None,
            recorded_key_reasons=frozenset(child.recorded_key_reasons),
        )
        visit = visits.get(child.id)
        last_visit: datetime | None = visit.last_visit if visit else None
        last_risk: datetime | None = visit.last_risk_assessment if visit else None
        values = derived_values(facts, last_visit, last_risk, today)
        # Unchanged rows are left alone: an update moves change_seq (not version: derived
        # facts are no edit), and every device holding the child would pull it again.
        if any(getattr(child, column) != value for column, value in values.items()):
            updates.append({"child_id": child.id, "derived_on": today, **values})
    if updates:
        table = cast(Table, Child.__table__)
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("child_id"))
            .values({column: bindparam(column) for column in updates[0] if column != "child_id"}),
            updates,
        )
    return len(updates)


def derived_values(
    facts: ChildFacts, last_visit: datetime | None, last_risk: datetime | None, today: date
) -> dict[str, object]:
    """The derived columns of a child with these facts and visits, as of `today`."""
    derived = derive(
        facts,
        last_visit=clock.local_day(last_visit) if last_visit else None,
        last_risk_assessment=clock.local_day(last_risk) if last_risk else None,
        today=today,
    )
    return {
        "categories": list(derived.categories),
        "key_reasons": list(derived.key_reasons),
        "is_key_child": derived.is_key_child,
        "has_confirmed_guardian": derived.has_confirmed_guardian,
        "last_visit_at": last_visit,
        "next_visit_due": derived.next_visit_due,
    }


# The derived columns of a child never derived (the table's defaults).
NOT_DERIVED: dict[str, object] = {
    "categories": [], "key_reasons": [], "is_key_child": False,
    "has_confirmed_guardian": False, "last_visit_at": None, "next_visit_due": None,
}  # fmt: skip


def new_child_derived(facts: ChildFacts | None, today: date) -> dict[str, object]:
    """The derived columns to insert a new child (never visited) with: those
    `refresh_children` would write for these facts, the defaults when it would write none
    (derived_on empty) or when the facts are not known yet (None: refresh it after)."""
    values = NOT_DERIVED if facts is None else derived_values(facts, None, None, today)
    return {"derived_on": None if values == NOT_DERIVED else today, **values}


async def refresh_all_children(
    engine: AsyncEngine, today: date, reporter: Reporter, *, batch: int = 5_000
) -> int:
    """Re-derive every active child, a batch per transaction; returns how many changed."""
    async with engine.connect() as conn:
        total = await conn.scalar(select(func.count()).select_from(Child)) or 0
    changed = 0
    after: uuid.UUID | None = None
    with reporter.step("children re-derived", total) as advance:
        while True:
            async with session_factory(engine, StatisticsSession)() as session, session.begin():
                query = select(Child.id).order_by(Child.id).limit(batch)
                if after is not None:
                    query = query.where(Child.id > after)
                ids = list(await session.scalars(query))
                if not ids:
                    return changed
                changed += await refresh_children(session, ids, today)
            after = ids[-1]
            advance(len(ids))
