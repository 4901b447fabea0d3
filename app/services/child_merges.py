"""Merging two files of the same child (a duplicate found by an import, or entered twice):
the duplicate's history moves onto the child's file, the file takes what only the duplicate
held (app/domain/child_merges.py), and the duplicate is kept, archived and marked merged.

The duplicate's row stays, so its id still resolves (to a file that says where it went), and
whatever it held stays readable; it drops out of every list, count, search, statistic, export
and sync (a device is told to drop it, with the file it went into). Its visits, cases (with
their events and referrals), guardianships, absences, NGO assignments and tasks move onto the
kept file. Its move requests and moves stay with it, as the history of that file (a request
still open is cancelled, the file it would move being gone), and so do the duplicate reports
naming it (written only by the service's reconciliation function; the merged file names the
kept one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.child_merges import MERGE_RULES, MergeSubject, merge_problem, merged_file
from app.domain.validation import check_id_number
from app.enums import (
    CaseEventKind,
    GuardianshipStatus,
    MoveRequestStatus,
    TaskStatus,
    TaskSubject,
)
from app.errors import DomainError, check_version, raise_problems
from app.models import (
    AbsenceRecord,
    Case,
    CaseEvent,
    CaseReferral,
    Child,
    ChildMoveRequest,
    Guardianship,
    ImportedRow,
    NgoContractChild,
    Task,
    Visit,
)
from app.services import outbox
from app.services.cases import case_event
from app.services.common import Actor, load_visible
from app.services.derivation import refresh_children
from app.services.merged_files import mark_merged
from app.services.tasks import apply_task_rules
from authz.guard import require

# A conflict that is no field of the file: both files had an active guardian; the kept
# file's stays, the duplicate's is ended (kept in the history).
GUARDIANSHIP_CONFLICT = "guardianship"


@dataclass(frozen=True)
class ChildMerge:
    """A merge done: the kept file, the duplicate as it now stands, and the fields both held
    differently (the kept file's value stood) or GUARDIANSHIP_CONFLICT."""

    child: Child
    duplicate: Child
    conflicts: tuple[str, ...]


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _subject(child: Child) -> MergeSubject:
    return MergeSubject(child.id, child.status, child.merged_into_id is not None, child.id_number)


async def merge_children(
    session: AsyncSession,
    actor: Actor,
    child_id: uuid.UUID,
    expected_version: int,
    duplicate_id: uuid.UUID,
    duplicate_expected_version: int,
) -> ChildMerge:
    """Merge the duplicate file into the child's file. Both must be files the caller may
    merge (`child_file merge` in their villages; a file it cannot see is NOT_FOUND, as a
    missing one); a file already merged is ALREADY_MERGED before any version is checked, so
    a retry of a merge that went through, or one sent twice at once, says so."""
    # Both rows locked first, in one order: a concurrent merge of either file waits, then
    # finds it merged (ALREADY_MERGED), and two merges of the pair crossed cannot deadlock.
    await session.execute(
        select(Child.id)
        .where(Child.id.in_([child_id, duplicate_id]))
        .order_by(Child.id)
        .with_for_update()
    )
    kept: Child = await load_visible(session, Child, child_id, "childId", "child")
    duplicate: Child = await load_visible(session, Child, duplicate_id, "duplicateId", "child")
    require(actor.scope, "child_file", "merge", kept.area_code, field="childId")
    require(actor.scope, "child_file", "merge", duplicate.area_code, field="duplicateId")
    problem = merge_problem(_subject(kept), _subject(duplicate))
    if problem is not None:
        raise DomainError([problem])
    check_version(kept, expected_version)
    check_version(duplicate, duplicate_expected_version, "duplicateExpectedVersion")
    merged = merged_file(
        {name: getattr(kept, name) for name in MERGE_RULES},
        {name: getattr(duplicate, name) for name in MERGE_RULES},
    )
    number = merged.changes.get("id_number")
    if isinstance(number, str):
        raise_problems(
            check_id_number(
                number, "duplicateId", birth_date=kept.birth_date, gender=kept.gender,
                today=actor.today,
            )
        )  # fmt: skip
        # The number moves: it may be on file once (uq_children_id_number_live).
        duplicate.id_number = None
        await session.flush()
    for name, value in merged.changes.items():
        setattr(kept, name, value)
    mark_merged(actor, duplicate, kept)
    await session.flush()
    ended_guardian = await _move_history(session, actor, duplicate, kept)
    await refresh_children(session, [kept.id, duplicate.id], actor.today)
    await apply_task_rules(session, actor, [kept.id])
    await session.refresh(kept)
    await session.refresh(duplicate)
    conflicts = merged.conflicts + ((GUARDIANSHIP_CONFLICT,) if ended_guardian else ())
    return ChildMerge(kept, duplicate, conflicts)


async def _move_history(session: AsyncSession, actor: Actor, duplicate: Child, kept: Child) -> bool:
    """Move the records about the duplicate onto the kept file (as tables: rows of the
    duplicate the caller's ORM scope would leave out, such as another role's tasks, move too;
    row-level security still bounds it). True when the duplicate's active guardianship was
    ended, the kept file having one of its own."""
    to = {"child_id": kept.id, "area_code": kept.area_code}
    cases = _table(Case)
    moved_cases = list(
        (
            await session.execute(
                update(cases)
                .where(cases.c.child_id == duplicate.id)
                .values(**to)
                .returning(cases.c.id)
            )
        ).scalars()
    )
    for table in (_table(CaseEvent), _table(CaseReferral)):
        await session.execute(
            update(table).where(table.c.case_id.in_(moved_cases)).values(area_code=kept.area_code)
        )
    note = f"儿童档案 {duplicate.id}（{duplicate.name}）并入儿童档案 {kept.id}"
    session.add_all(
        case_event(case_id, kept.area_code, actor, CaseEventKind.MERGED, note=note)
        for case_id in moved_cases
    )
    await outbox.child_merged(session, kept, duplicate.id, moved_cases)
    ended = await _end_second_guardian(session, actor, duplicate.id, kept.id)
    # A ledger row that made the duplicate finds the kept file when the ledger comes again.
    for model in (Visit, Guardianship, AbsenceRecord, ImportedRow):
        table = _table(model)
        await session.execute(update(table).where(table.c.child_id == duplicate.id).values(**to))
    await _move_assignments(session, duplicate.id, kept)
    await _move_tasks(session, actor, duplicate.id, kept)
    await _cancel_move_requests(session, actor, duplicate.id)
    await session.flush()
    return ended


async def _end_second_guardian(
    session: AsyncSession, actor: Actor, duplicate_id: uuid.UUID, kept_id: uuid.UUID
) -> bool:
    """A child has one active guardian: when both files have one, the duplicate's ends today
    (it moves with the history)."""
    table = _table(Guardianship)
    active = and_(table.c.status == GuardianshipStatus.ACTIVE, table.c.deleted_at.is_(None))
    kept_has = await session.scalar(select(exists().where(table.c.child_id == kept_id, active)))
    if not kept_has:
        return False
    ended = await session.execute(
        update(table)
        .where(table.c.child_id == duplicate_id, active)
        .values(status=GuardianshipStatus.ENDED, ends_on=actor.today)
        .returning(table.c.id)
    )
    return ended.first() is not None


async def _move_assignments(session: AsyncSession, duplicate_id: uuid.UUID, kept: Child) -> None:
    """An NGO's assignments of the duplicate become the kept file's, but under a contract
    that already assigns the kept file (the pair is the row's key): that one stays as it is."""
    table = _table(NgoContractChild)
    other = table.alias("other")
    await session.execute(
        update(table)
        .where(
            table.c.child_id == duplicate_id,
            ~exists().where(
                other.c.child_id == kept.id, other.c.contract_id == table.c.contract_id
            ),
        )
        .values(child_id=kept.id, area_code=kept.area_code)
    )


async def _move_tasks(
    session: AsyncSession, actor: Actor, duplicate_id: uuid.UUID, kept: Child
) -> None:
    """The duplicate's tasks become the kept file's. One about the file itself (a CHILD
    subject) that the kept file already has open, of its kind and level, is closed as done by
    the merge rather than opened twice (the partial unique index); the rest move, open or not."""
    tasks = _table(Task)
    same = tasks.alias("same")
    await session.execute(
        update(tasks)
        .where(
            tasks.c.subject_type == TaskSubject.CHILD,
            tasks.c.subject_id == duplicate_id,
            tasks.c.status == TaskStatus.OPEN,
            exists().where(
                same.c.subject_id == kept.id,
                same.c.kind == tasks.c.kind,
                same.c.escalation_level == tasks.c.escalation_level,
                same.c.status == TaskStatus.OPEN,
            ),
        )
        .values(status=TaskStatus.DONE, closed_at=actor.now, closed_by_id=actor.user_id)
    )
    await session.execute(
        update(tasks)
        .where(tasks.c.subject_type == TaskSubject.CHILD, tasks.c.subject_id == duplicate_id)
        .values(subject_id=kept.id)
    )
    await session.execute(
        update(tasks)
        .where(tasks.c.child_id == duplicate_id)
        .values(child_id=kept.id, area_code=kept.area_code)
    )


async def _cancel_move_requests(
    session: AsyncSession, actor: Actor, duplicate_id: uuid.UUID
) -> None:
    table = _table(ChildMoveRequest)
    await session.execute(
        update(table)
        .where(table.c.child_id == duplicate_id, table.c.status == MoveRequestStatus.REQUESTED)
        .values(status=MoveRequestStatus.CANCELLED, closed_by_id=actor.user_id, closed_at=actor.now)
    )
