"""A child's file changing hands: moving to another village, archiving."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import ArchiveReason, AreaLevel, ChildStatus
from app.errors import check_version, refuse
from app.models import (
    AbsenceRecord,
    Area,
    Case,
    CaseEvent,
    Child,
    ChildMove,
    Guardianship,
    Household,
    NgoContractChild,
    Parent,
    Visit,
)
from app.services.common import Actor, load_visible
from authz.guard import require

# The rows about a child that carry its village and follow it when it moves (its history).
_FOLLOW_THE_CHILD: tuple[Any, ...] = (Guardianship, Visit, Case, AbsenceRecord, NgoContractChild)


async def move_child(
    session: AsyncSession,
    actor: Actor,
    child_id: uuid.UUID,
    expected_version: int,
    to_area_code: str,
) -> Child:
    """Move a child's file to another village, with its history: guardianships, visits,
    cases and their events (and school absences and NGO assignments, which end).

    The caller needs to write child files in both villages. The household (and its parents)
    moves too when no other child of it stays behind; the move is kept as a ChildMove, the
    history of which village held the file.
    """
    area = await session.get(Area, to_area_code)
    if area is None or area.level is not AreaLevel.VILLAGE:
        raise refuse("INVALID_AREA", "toAreaCode", "not a village code")
    child: Child = await load_visible(session, Child, child_id, "id", "child")
    require(actor.scope, "child_file", "write", child.area_code)
    require(actor.scope, "child_file", "write", to_area_code, field="toAreaCode")
    check_version(child, expected_version)
    if child.status is ChildStatus.ARCHIVED:
        raise refuse("CHILD_ARCHIVED", "id", "the child's file is archived", current=child)
    if child.area_code == to_area_code:
        raise refuse("INVALID_AREA", "toAreaCode", "the child is already in this village")
    case_ids = select(Case.id).where(Case.child_id == child.id).scalar_subquery()
    # Events first: they are found through their cases, and cases are found by the child.
    await session.execute(
        update(CaseEvent)
        .where(CaseEvent.case_id.in_(case_ids))
        .values(area_code=to_area_code)
        .execution_options(synchronize_session=False)
    )
    for model in _FOLLOW_THE_CHILD:
        await session.execute(
            update(model)
            .where(model.child_id == child.id)
            .values(area_code=to_area_code)
            .execution_options(synchronize_session=False)
        )
    # An NGO served the child where it lived: the new village's staff decide on services anew
    # (and the NGO does not follow the child to a place it was not contracted for).
    await session.execute(
        update(NgoContractChild)
        .where(NgoContractChild.child_id == child.id, NgoContractChild.unassigned_at.is_(None))
        .values(unassigned_at=actor.now)
        .execution_options(synchronize_session=False)
    )
    staying = await session.scalar(
        select(func.count())
        .select_from(Child)
        .where(
            Child.household_id == child.household_id,
            Child.id != child.id,
            Child.deleted_at.is_(None),
            Child.status == ChildStatus.ACTIVE,
        )
    )
    if not staying:
        for model, key in ((Household, Household.id), (Parent, Parent.household_id)):
            await session.execute(
                update(model)
                .where(key == child.household_id)
                .values(area_code=to_area_code)
                .execution_options(synchronize_session=False)
            )
    session.add(
        ChildMove(
            child_id=child.id,
            area_code=to_area_code,
            from_area_code=child.area_code,
            moved_at=actor.now,
            moved_by_id=actor.user_id,
            household_id=None if staying else child.household_id,
        )
    )
    child.area_code = to_area_code
    await session.flush()
    await session.refresh(child)
    return child


async def archive_child(
    session: AsyncSession,
    actor: Actor,
    child_id: uuid.UUID,
    expected_version: int,
    reason: ArchiveReason,
) -> Child:
    """Archive a child's file (turned 18, moved away, parents back…); it is kept, not deleted."""
    child: Child = await load_visible(session, Child, child_id, "id", "child")
    require(actor.scope, "child_file", "write", child.area_code)
    if child.status is ChildStatus.ARCHIVED:
        raise refuse(
            "ALREADY_ARCHIVED", "id", "the child's file is already archived", current=child
        )
    check_version(child, expected_version)
    child.status = ChildStatus.ARCHIVED
    child.archived_reason = reason
    child.archived_at = actor.now
    await session.flush()
    await session.refresh(child)
    return child
