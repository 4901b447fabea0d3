"""Entrusted guardianship (委托监护): entrust, assess, confirm, end (seed 001).

Whether a child has a confirmed, capable guardian is derived (app/domain/derivation.py), so
every write here re-derives the child in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.guardianship import (
    check_confirmable,
    check_correctable,
    check_guardian_adult,
    check_starts_after,
)
from app.domain.idnumber import normalize_id_number
from app.domain.validation import (
    check_id_number,
    check_length,
    check_not_future,
    check_phone,
    check_required,
    problems,
)
from app.enums import ChildStatus, GuardianCapacity, GuardianRelation, GuardianshipStatus
from app.errors import DomainError, raise_problems, refuse
from app.models import Child, Guardianship
from app.services.common import (
    Actor,
    New,
    existing_create,
    load_for_write,
    load_visible,
    merge_create,
    values_of,
)
from app.services.derivation import refresh_children
from app.services.tasks import apply_task_rules
from authz.guard import require


@dataclass(frozen=True)
class EntrustData:
    """A new entrusted guardian as the app sends it: the fields of EntrustGuardianInput but
    its client id."""

    child_id: uuid.UUID
    guardian_name: str
    relation: GuardianRelation
    phone: str | None = None
    id_number: str | None = None
    starts_on: date | None = None
    agreement_signed: bool = False
    # An active guardianship of the child recorded today by mistake, which this one replaces.
    corrects_id: uuid.UUID | None = None


async def _active_guardianship(session: AsyncSession, child_id: uuid.UUID) -> Guardianship | None:
    found: Guardianship | None = await session.scalar(
        select(Guardianship).where(
            Guardianship.child_id == child_id,
            Guardianship.status == GuardianshipStatus.ACTIVE,
            Guardianship.deleted_at.is_(None),
        )
    )
    return found


async def _withdraw(
    session: AsyncSession, actor: Actor, mistaken: Guardianship
) -> Guardianship | None:
    """Take back a guardianship entered by mistake today, as if it had never been entered:
    it is deleted, and the guardianship it ended (if one ended the day it started) is
    returned, to end when the replacement starts instead."""
    recorded_on = clock.local_day(mistaken.created_at)
    raise_problems(problems(check_correctable(recorded_on, actor.today)))
    previous: Guardianship | None = await session.scalar(
        select(Guardianship)
        .where(
            Guardianship.child_id == mistaken.child_id,
            Guardianship.status == GuardianshipStatus.ENDED,
            Guardianship.ends_on == mistaken.starts_on,
            Guardianship.deleted_at.is_(None),
        )
        .order_by(Guardianship.starts_on.desc())
        .limit(1)
    )
    mistaken.status = GuardianshipStatus.ENDED
    mistaken.deleted_at = actor.now
    await session.flush()
    return previous


async def entrust_guardian(session: AsyncSession, actor: Actor, new: New) -> Guardianship:
    """Entrust the child to a new guardian: the active guardianship ends the day this one
    starts. With `corrects_id`, the new guardianship replaces the active one, recorded today
    by mistake, as if that had never been entered. Idempotent by client id."""
    data, found = merge_create(EntrustData, new.changes)
    if data is None or found:
        raise DomainError(found)
    raise_problems(
        problems(
            check_required(data.guardian_name, "guardianName"),
            check_length(data.guardian_name, "guardianName", 100),
            check_phone(data.phone, "phone"),
            check_id_number(data.id_number, "idNumber", today=actor.today),
            check_guardian_adult(data.id_number, "idNumber", actor.today),
            check_not_future(data.starts_on, "startsOn", actor.now),
        )
    )
    child: Child = await load_visible(session, Child, data.child_id, "childId", "child")
    require(actor.scope, "child_file", "write", child.area_code, field="childId")
    starts_on = data.starts_on or actor.today
    values = values_of(data, exclude={"corrects_id"}) | {
        "guardian_name": data.guardian_name.strip(),
        "id_number": normalize_id_number(data.id_number) if data.id_number else None,
        "starts_on": starts_on,
    }
    existing = await existing_create(session, Guardianship, new.id, values)
    if existing is not None:
        return existing
    if child.status is ChildStatus.ARCHIVED:
        raise refuse("CHILD_ARCHIVED", "childId", "the child's file is archived")
    current = await _active_guardianship(session, child.id)
    if data.corrects_id is not None:
        if current is None or current.id != data.corrects_id:
            raise refuse("INVALID", "correctsId", "not the child's active guardianship")
        previous = await _withdraw(session, actor, current)
        current = None
        if previous is not None:
            raise_problems(problems(check_starts_after(previous.starts_on, starts_on)))
            previous.ends_on = starts_on
    if current is not None:
        if current.starts_on > starts_on:
            raise refuse(
                "INVALID_DATE",
                "startsOn",
                "the current guardianship started on {starts_on}, later",
                {"starts_on": current.starts_on},
            )
        current.status = GuardianshipStatus.ENDED
        current.ends_on = starts_on
        # Ended before the new one is inserted: one active guardianship per child (unique).
        await session.flush()
    guardianship = Guardianship(
        id=new.id or uuid.uuid4(),
        area_code=child.area_code,
        capacity=GuardianCapacity.UNASSESSED,
        status=GuardianshipStatus.ACTIVE,
        **values,
    )
    session.add(guardianship)
    await session.flush()
    await refresh_children(session, [child.id], actor.today)
    await apply_task_rules(session, actor, [child.id])
    return guardianship


async def _load_active(
    session: AsyncSession, actor: Actor, guardianship_id: uuid.UUID, expected_version: int
) -> Guardianship:
    """A guardianship the caller may change, at the version the caller saw, still active."""
    guardianship: Guardianship = await load_for_write(
        session, actor, Guardianship, guardianship_id, expected_version,
        field="id", what="guardianship", permission=("child_file", "write"),
    )  # fmt: skip
    if guardianship.status is not GuardianshipStatus.ACTIVE:
        raise refuse("GUARDIANSHIP_ENDED", "id", "the guardianship has ended", current=guardianship)
    return guardianship


async def _rederive(session: AsyncSession, actor: Actor, guardianship: Guardianship) -> None:
    await session.flush()
    await refresh_children(session, [guardianship.child_id], actor.today)
    await apply_task_rules(session, actor, [guardianship.child_id])


async def assess_guardian(
    session: AsyncSession,
    actor: Actor,
    guardianship_id: uuid.UUID,
    expected_version: int,
    capacity: GuardianCapacity,
) -> Guardianship:
    """Record the village's assessment of the guardian's capacity."""
    if capacity is GuardianCapacity.UNASSESSED:
        raise refuse("INVALID", "capacity", "an assessment is CAPABLE or INCAPABLE")
    guardianship = await _load_active(session, actor, guardianship_id, expected_version)
    guardianship.capacity = capacity
    guardianship.capacity_assessed_by_id = actor.user_id
    guardianship.capacity_assessed_at = actor.now
    await _rederive(session, actor, guardianship)
    return guardianship


async def confirm_guardianship(
    session: AsyncSession,
    actor: Actor,
    guardianship_id: uuid.UUID,
    expected_version: int,
    agreement_signed: bool,
) -> Guardianship:
    """The village confirms the entrustment, which needs the signed agreement and a guardian
    assessed capable."""
    if not agreement_signed:
        raise refuse(
            "AGREEMENT_NOT_SIGNED", "agreementSigned", "the entrustment agreement must be signed"
        )
    guardianship = await _load_active(session, actor, guardianship_id, expected_version)
    if actor.user_id is None:
        raise refuse("FORBIDDEN", "id", "a guardianship is confirmed by a person, not a key")
    raise_problems(problems(check_confirmable(guardianship.capacity)))
    guardianship.agreement_signed = True
    guardianship.confirmed_by_id = actor.user_id
    guardianship.confirmed_at = actor.now
    await _rederive(session, actor, guardianship)
    return guardianship


async def end_guardianship(
    session: AsyncSession,
    actor: Actor,
    guardianship_id: uuid.UUID,
    expected_version: int,
    ends_on: date | None,
) -> Guardianship:
    """End an entrustment (the parents came back, the guardian can no longer care…)."""
    raise_problems(problems(check_not_future(ends_on, "endsOn", actor.now)))
    guardianship = await _load_active(session, actor, guardianship_id, expected_version)
    last_day = ends_on or actor.today
    if last_day < guardianship.starts_on:
        raise refuse("INVALID_DATE", "endsOn", "before the guardianship started")
    guardianship.status = GuardianshipStatus.ENDED
    guardianship.ends_on = last_day
    await _rederive(session, actor, guardianship)
    return guardianship
