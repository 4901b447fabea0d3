"""Writes to a child's file: registering a child, changing its record, moving it to another
village, archiving it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.idnumber import mask_id_number, normalize_id_number
from app.domain.moves import (
    HouseholdAfterMove,
    acceptance_steps,
    check_step_open,
    completes_move,
    household_after_move,
)
from app.domain.schools import check_school, check_teacher_in_charge
from app.domain.validation import (
    ChildIdentity,
    Problem,
    check_age_fits,
    check_age_range,
    check_id_number,
    check_length,
    check_list_length,
    check_not_before_birth,
    check_not_future,
    check_required,
    problems,
    same_child,
)
from app.enums import (
    ArchiveReason,
    AreaLevel,
    ChildStatus,
    Gender,
    KeyChildReason,
    LivingArrangement,
    MoveRequestStatus,
    MoveStep,
    Role,
    SchoolStatus,
)
from app.errors import DomainError, check_version, raise_problems, refuse
from app.idcrypto import fingerprints
from app.models import (
    AbsenceRecord,
    Area,
    Case,
    CaseEvent,
    CaseReferral,
    Child,
    ChildMove,
    ChildMoveRequest,
    Guardianship,
    Household,
    NgoContractChild,
    Organization,
    Parent,
    Task,
    Visit,
)
from app.services.common import (
    Actor,
    Changes,
    New,
    existing_create,
    load_visible,
    merge_create,
    merge_update,
    values_of,
    write_changes,
)
from app.services.derivation import refresh_children
from app.services.tasks import apply_task_rules
from authz.guard import require
from authz.pupils import school_edit
from authz.session import GRANTED_MOVE_OPTION, granted_move


@dataclass(frozen=True)
class ChildData:
    """A child as it will be stored: the fields sent over the stored row or the defaults."""

    household_id: uuid.UUID
    name: str
    gender: Gender
    birth_date: date
    living_arrangement: LivingArrangement
    school_status: SchoolStatus
    id_number: str | None = None
    no_household_registration: bool = False
    student_number: str | None = None
    school_id: uuid.UUID | None = None
    disability: bool = False
    serious_illness: bool = False
    safety_risk: bool = False
    scattered_orphan: bool = False
    recorded_key_reasons: list[KeyChildReason] = field(default_factory=list)
    missing_since: date | None = None
    teacher_in_charge_name: str | None = None
    teacher_in_charge_phone: str | None = None


async def _refuse_duplicate(
    session: AsyncSession, actor: Actor, id_number: str, own_id: uuid.UUID | None
) -> None:
    """The same ID number may be on file once in the country. A duplicate the caller may see
    is named; one elsewhere is stopped by the unique index (row-level security hides it from
    this query) and passed on without a pointer (`_write_child`)."""
    found = await session.scalar(
        select(Child).where(
            Child.id_number_hash.in_(fingerprints([id_number])), Child.deleted_at.is_(None)
        )
    )
    if found is not None and found.id != own_id:
        raise refuse(
            "DUPLICATE_CHILD",
            "idNumber",
            "{id_number} is already on file: child {child} in {area}",
            {"id_number": mask_id_number(id_number), "child": found.id, "area": found.area_code},
            current=found,
        )


# The unique index that stops an ID number on file twice, wherever the other file is.
_ID_NUMBER_ON_FILE = "uq_children_id_number_live"


async def _write_child(session: AsyncSession, actor: Actor, child: Child) -> None:
    """Write a new or edited child. An ID number on file for a child the caller may not see
    is refused without saying where or whose (the caller could otherwise learn which numbers
    are on file out of its sight), and the attempt is passed to the townships and counties
    of both files to reconcile (migration 0014's duplicate_reports)."""
    # Taken before the flush: a failed flush leaves the session unusable until rollback.
    number = child.id_number
    attempt = {
        # Found by fingerprint, under any hash key of the ring (the number is sealed).
        "id_number_prints": list(fingerprints([number])) if number else [],
        "area_code": child.area_code,
        "household_id": child.household_id,
        # A new child's id is its client's: it names nothing on file.
        "attempted_child_id": None if inspect(child).pending else child.id,
        "name": child.name, "gender": child.gender.value, "birth_date": child.birth_date,
        "reported_by": actor.user_id, "reporter_label": actor.scope.principal.label,
        "reported_at": actor.now,
    }  # fmt: skip
    try:
        await session.flush()
    except IntegrityError as error:
        if _ID_NUMBER_ON_FILE not in str(error.orig):
            raise

        async def pass_on(session: AsyncSession) -> None:
            await session.execute(REPORT_DUPLICATE, attempt)

        raise DomainError(
            [
                Problem(
                    "ID_NUMBER_UNDER_REVIEW",
                    "idNumber",
                    "this ID number cannot be registered here now: it has been passed to the "
                    "township supervisor to check",
                )
            ],
            after=pass_on,
        ) from error


REPORT_DUPLICATE = text(
    "SELECT shouhu_report_duplicate_child(:id_number_prints, :area_code, :household_id, "
    ":attempted_child_id, :name, :gender, :birth_date, :reported_by, :reporter_label, "
    ":reported_at)"
)


def child_identity(child: Child | dict[str, Any]) -> ChildIdentity:
    """What tells one child from another: name, birth date, gender and ID number."""
    if isinstance(child, Child):
        return ChildIdentity(child.name, child.birth_date, child.gender, child.id_number)
    return ChildIdentity(child["name"], child["birth_date"], child["gender"], child["id_number"])


async def refuse_twin_entry(
    session: AsyncSession, household_id: uuid.UUID, entry: ChildIdentity, own_id: uuid.UUID | None
) -> None:
    """The same child entered twice in a household, where an ID number cannot tell (it has
    none, or only one entry has one): refused, naming the entry already on file."""
    siblings = await session.scalars(
        select(Child).where(
            Child.household_id == household_id,
            Child.status == ChildStatus.ACTIVE,
            Child.deleted_at.is_(None),
        )
    )
    for sibling in siblings:
        if sibling.id != own_id and same_child(entry, child_identity(sibling)):
            raise refuse(
                "DUPLICATE_CHILD",
                "name",
                "a child of this name, birth date and gender is already on file in the household",
                current=sibling,
            )


def child_problems(data: ChildData, actor: Actor) -> list[Problem]:
    """What is wrong with a child's file as it would be written (every field's checks)."""
    return problems(
        check_required(data.name, "name"),
        check_length(data.name, "name", 100),
        check_age_range(data.birth_date, actor.today),
        check_age_fits(data.birth_date, data.school_status, data.living_arrangement, actor.today),
        check_list_length(data.recorded_key_reasons, "recordedKeyReasons"),
        check_not_future(data.missing_since, "missingSince", actor.now),
        None if data.missing_since is None else check_not_before_birth(
            data.missing_since, data.birth_date, "missingSince"
        ),
        check_id_number(
            data.id_number, "idNumber", birth_date=data.birth_date, gender=data.gender,
            today=actor.today,
        ),
        None if data.id_number or data.no_household_registration else Problem(
            "REQUIRED", "idNumber", "an ID number, or noHouseholdRegistration"
        ),
        check_teacher_in_charge(data.teacher_in_charge_name, data.teacher_in_charge_phone),
    )  # fmt: skip


async def _check_school(session: AsyncSession, actor: Actor, school_id: uuid.UUID | None) -> None:
    """The school named is one, and a school names only itself (app/domain/schools.py)."""
    if school_id is None:
        return
    school = await session.get(Organization, school_id)
    principal = actor.scope.principal
    problem = check_school(
        school_id,
        school.kind if school is not None else None,
        calling_school=principal.organization_id if principal.role is Role.SCHOOL else None,
    )
    if problem is not None:
        raise DomainError([problem])


def child_values(data: ChildData) -> dict[str, object]:
    """The columns written for a child's file: names trimmed, the ID number normalised."""
    return values_of(data) | {
        "name": data.name.strip(),
        "id_number": normalize_id_number(data.id_number) if data.id_number else None,
        "recorded_key_reasons": sorted(set(data.recorded_key_reasons)),
        "teacher_in_charge_name": _blank_is_none(data.teacher_in_charge_name),
        "teacher_in_charge_phone": _blank_is_none(
            None
            if data.teacher_in_charge_phone is None
            else "".join(data.teacher_in_charge_phone.split())
        ),
    }


def _blank_is_none(value: str | None) -> str | None:
    return (value or "").strip() or None


async def register_child(session: AsyncSession, actor: Actor, new: New) -> Child:
    """A new child in a household of the caller's area. Idempotent by client id."""
    data, found = merge_create(ChildData, new.changes)
    if data is None:
        raise DomainError(found)
    raise_problems(found + child_problems(data, actor))
    household: Household = await load_visible(
        session, Household, data.household_id, "householdId", "household"
    )
    require(actor.scope, "child_file", "write", household.area_code, field="householdId")
    await _check_school(session, actor, data.school_id)
    values = child_values(data)
    existing = await existing_create(session, Child, new.id, values)
    if existing is not None:
        return existing
    if values["id_number"]:
        await _refuse_duplicate(session, actor, str(values["id_number"]), None)
    await refuse_twin_entry(session, household.id, child_identity(values), None)
    child = Child(
        id=new.id or uuid.uuid4(),
        area_code=household.area_code,
        created_by_id=actor.user_id,
        **values,
    )
    session.add(child)
    await _write_child(session, actor, child)
    await refresh_children(session, [child.id], actor.today)
    await apply_task_rules(session, actor, [child.id])
    await session.refresh(child)
    return child


async def update_child(
    session: AsyncSession,
    actor: Actor,
    child_id: uuid.UUID,
    expected_version: int,
    changes: Changes,
) -> Child:
    """Change a child's file: the fields sent, and only those. The rules across fields (the
    ID number against the birth date and gender) see the file as it will be. A pupil's school
    changes the teacher in charge, and nothing else (authz/pupils.py)."""
    child: Child = await load_visible(session, Child, child_id, "id", "child")
    if child.merged_into_id is not None:
        # Its history is the kept file's (app/services/child_merges.py): edit that one.
        raise refuse(
            "ALREADY_MERGED", "id", "the file has already been merged into another", current=child
        )
    if school_edit(actor.scope, child.area_code, child.school_id, changes):
        return await _set_teacher_in_charge(session, child, expected_version, changes)
    require(actor.scope, "child_file", "write", child.area_code, field="id")
    check_version(child, expected_version)
    data, found = merge_update(ChildData, Child, child, changes)
    raise_problems(found + child_problems(data, actor))
    if data.household_id != child.household_id:
        raise refuse("INVALID", "householdId", "use moveChild to change the household")
    if data.school_id != child.school_id:
        await _check_school(session, actor, data.school_id)
    values = child_values(data)
    if values["id_number"] and values["id_number"] != child.id_number:
        await _refuse_duplicate(session, actor, str(values["id_number"]), child.id)
    if child_identity(values) != child_identity(child):
        # On a change only: a pair already on file must not block other edits (one of the
        # two is archived as DUPLICATE).
        await refuse_twin_entry(session, child.household_id, child_identity(values), child.id)
    write_changes(child, values, changes)
    if child.status is ChildStatus.PROVISIONAL:
        # The village completing a file opened by a report: a child on file from now on.
        child.status = ChildStatus.ACTIVE
    await _write_child(session, actor, child)
    await refresh_children(session, [child.id], actor.today)
    await apply_task_rules(session, actor, [child.id])
    await session.refresh(child)
    return child


async def _set_teacher_in_charge(
    session: AsyncSession, child: Child, expected_version: int, changes: Changes
) -> Child:
    """The school's edit of its pupil's file: the teacher in charge only, so nothing the
    rules derive from changes and the file is not re-derived."""
    check_version(child, expected_version)
    data, found = merge_update(ChildData, Child, child, changes)
    raise_problems(
        found + check_teacher_in_charge(data.teacher_in_charge_name, data.teacher_in_charge_phone)
    )
    write_changes(child, child_values(data), changes)
    await session.flush()
    await session.refresh(child)
    return child


# The rows about a child that carry its village and follow it when it moves (its history).
_FOLLOW_THE_CHILD: tuple[Any, ...] = (Guardianship, Visit, Case, AbsenceRecord, NgoContractChild)


async def move_child(
    session: AsyncSession,
    actor: Actor,
    child_id: uuid.UUID,
    expected_version: int,
    to_area_code: str,
    to_household_id: uuid.UUID | None = None,
) -> Child:
    """Move a child's file to another village, with its history: guardianships, visits,
    cases and their events (and school absences and NGO assignments, which end).

    The caller needs to write child files in both villages. The household (and its parents)
    moves too when no other child of it stays behind, unless the caller names a household of
    the new village for the child (app/domain/moves.py); the move is kept as a ChildMove,
    the history of which village held the file.
    """
    await check_village(session, to_area_code)
    child: Child = await load_visible(session, Child, child_id, "id", "child")
    require(actor.scope, "child_file", "write", child.area_code)
    require(actor.scope, "child_file", "write", to_area_code, field="toAreaCode")
    check_version(child, expected_version)
    return await carry_move(session, actor, child, to_area_code, to_household_id)


async def check_village(session: AsyncSession, area_code: str) -> None:
    """Refuse a destination that is not a village (INVALID_AREA on toAreaCode)."""
    area = await session.get(Area, area_code)
    if area is None or area.level is not AreaLevel.VILLAGE:
        raise refuse("INVALID_AREA", "toAreaCode", "not a village code")


async def household_for_move(
    session: AsyncSession,
    child: Child,
    to_area_code: str,
    to_household_id: uuid.UUID | None,
    whole_file: dict[str, bool] | None = None,
) -> HouseholdAfterMove:
    """The household the child will live in after moving (app/domain/moves.py), the named
    one looked up as the caller sees it (NOT_FOUND on toHouseholdId otherwise)."""
    named: Household | None = None
    if to_household_id is not None:
        named = await load_visible(
            session, Household, to_household_id, "toHouseholdId", "household"
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
        .execution_options(**(whole_file or {}))
    )
    outcome = household_after_move(
        current_household_id=child.household_id,
        siblings_staying=staying or 0,
        to_household_id=to_household_id,
        to_household_village=named.area_code if named else None,
        to_village=to_area_code,
    )
    if isinstance(outcome, Problem):
        raise DomainError([outcome])
    return outcome


async def carry_move(
    session: AsyncSession,
    actor: Actor,
    child: Child,
    to_area_code: str,
    to_household_id: uuid.UUID | None,
    *,
    requested_by_id: uuid.UUID | None = None,
    whole_file: dict[str, bool] | None = None,
) -> Child:
    """Carry out an authorized move: the file, its history and its household (taken along
    or changed for one in the new village), recorded as a ChildMove; the child's derived
    facts follow the household it ends up in. `whole_file` marks the statements of a move a
    request granted (the accepting side does not see the file it receives)."""
    options = whole_file or {}
    if child.status is ChildStatus.ARCHIVED:
        raise refuse("CHILD_ARCHIVED", "id", "the child's file is archived", current=child)
    if child.area_code == to_area_code:
        raise refuse("INVALID_AREA", "toAreaCode", "the child is already in this village")
    household = await household_for_move(session, child, to_area_code, to_household_id, options)
    case_ids = select(Case.id).where(Case.child_id == child.id).scalar_subquery()
    # Events first: they are found through their cases, and cases are found by the child.
    for case_row in (CaseEvent, CaseReferral):
        await session.execute(
            update(case_row)
            .where(case_row.case_id.in_(case_ids))
            .values(area_code=to_area_code)
            .execution_options(synchronize_session=False, **options)
        )
    for model in _FOLLOW_THE_CHILD:
        await session.execute(
            update(model)
            .where(model.child_id == child.id)
            .values(area_code=to_area_code)
            .execution_options(synchronize_session=False, **options)
        )
    # Its tasks too, whoever owes them: as a table, not through the caller's ORM scope,
    # which would move only the caller's own (row-level security still bounds it).
    tasks = cast(Table, Task.__table__)
    await session.execute(
        update(tasks)
        .where(tasks.c.child_id == child.id)
        .values(area_code=to_area_code)
        .execution_options(**options)
    )
    # An NGO served the child where it lived: the new village's staff decide on services anew
    # (and the NGO does not follow the child to a place it was not contracted for).
    await session.execute(
        update(NgoContractChild)
        .where(NgoContractChild.child_id == child.id, NgoContractChild.unassigned_at.is_(None))
        .values(unassigned_at=actor.now)
        .execution_options(synchronize_session=False, **options)
    )
    if household.takes_household:
        for model, key in ((Household, Household.id), (Parent, Parent.household_id)):
            await session.execute(
                update(model)
                .where(key == child.household_id)
                .values(area_code=to_area_code)
                .execution_options(synchronize_session=False, **options)
            )
    session.add(
        ChildMove(
            child_id=child.id,
            area_code=to_area_code,
            from_area_code=child.area_code,
            moved_at=actor.now,
            moved_by_id=actor.user_id,
            requested_by_id=requested_by_id,
            household_id=child.household_id if household.takes_household else None,
        )
    )
    child.area_code = to_area_code
    if household.household_id is not None:
        child.household_id = household.household_id
    await session.flush()
    await refresh_children(session, [child.id], actor.today)
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


@dataclass(frozen=True)
class MoveRequestData:
    """A requested move as it will be stored: the child, where to, and why."""

    child_id: uuid.UUID
    to_area_code: str
    reason: str | None = None


def _accepted_steps(request: ChildMoveRequest) -> set[MoveStep]:
    return {step for step in MoveStep if getattr(request, f"{step.value}_at") is not None}


def _may_take(actor: Actor, request: ChildMoveRequest, step: MoveStep) -> bool:
    if step is MoveStep.RECEIVING_VILLAGE:
        return actor.scope.allows("child_move", "accept", request.to_area_code)
    village = request.area_code if step is MoveStep.SENDING_COUNTY else request.to_area_code
    return actor.scope.allows("child_move", "approve", village)


async def _open_request(
    session: AsyncSession, request_id: uuid.UUID, expected_version: int
) -> ChildMoveRequest:
    request: ChildMoveRequest = await load_visible(
        session, ChildMoveRequest, request_id, "id", "child move"
    )
    check_version(request, expected_version)
    if request.status is not MoveRequestStatus.REQUESTED:
        raise refuse("REQUEST_CLOSED", "id", "the move request is no longer open", current=request)
    return request


async def request_child_move(session: AsyncSession, actor: Actor, new: New) -> ChildMoveRequest:
    """Ask to move a child's file from its village to another (any county): the receiving
    village's director or township accepts it, across counties after both counties'
    civil-affairs bureaus (app/domain/moves.py). The request shows the receiving side the
    child's name and birth date only, until the move is done."""
    data, found = merge_create(MoveRequestData, new.changes)
    if data is None or found:
        raise DomainError(found)
    raise_problems(problems(check_length(data.reason, "reason", 500)))
    await check_village(session, data.to_area_code)
    child: Child = await load_visible(session, Child, data.child_id, "childId", "child")
    require(actor.scope, "child_move", "request", child.area_code, field="childId")
    if child.status is ChildStatus.ARCHIVED:
        raise refuse("CHILD_ARCHIVED", "childId", "the child's file is archived")
    if child.area_code == data.to_area_code:
        raise refuse("INVALID_AREA", "toAreaCode", "the child is already in this village")
    values = {**values_of(data), "area_code": child.area_code}
    if (existing := await existing_create(session, ChildMoveRequest, new.id, values)) is not None:
        return existing
    pending = await session.scalar(
        select(func.count())
        .select_from(ChildMoveRequest)
        .where(
            ChildMoveRequest.child_id == child.id,
            ChildMoveRequest.status == MoveRequestStatus.REQUESTED,
        )
    )
    if pending:
        raise refuse(
            "MOVE_ALREADY_REQUESTED", "childId", "a move of this child is already requested"
        )
    request = ChildMoveRequest(
        id=new.id or uuid.uuid4(),
        **values,
        child_name=child.name,
        child_birth_date=child.birth_date,
        requested_by_id=actor.user_id,
        requested_at=actor.now,
    )
    session.add(request)
    await session.flush()
    await session.refresh(request)
    return request


async def accept_child_move(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    expected_version: int,
    to_household_id: uuid.UUID | None,
) -> ChildMoveRequest:
    """Give the acceptance of a requested move that is the caller's to give (the receiving
    village's, or a county's across counties). The last one moves the file, as moveChild
    does, in this transaction: into the household named here (the receiving village's
    acceptance names one when a sibling stays behind) or with its family."""
    request = await _open_request(session, request_id, expected_version)
    needed = acceptance_steps(request.area_code, request.to_area_code)
    accepted = _accepted_steps(request)
    mine = [step for step in needed if _may_take(actor, request, step)]
    if not mine:
        require(actor.scope, "child_move", "accept", request.to_area_code)
    open_steps = [step for step in mine if step not in accepted]
    step = open_steps[0] if open_steps else mine[0]
    problem = check_step_open(step, needed, accepted)
    if problem is not None:
        raise DomainError([problem], current=request)
    if to_household_id is not None and step is not MoveStep.RECEIVING_VILLAGE:
        raise refuse(
            "INVALID_HOUSEHOLD", "toHouseholdId", "the receiving village names the household"
        )
    setattr(request, f"{step.value}_by_id", actor.user_id)
    setattr(request, f"{step.value}_at", actor.now)
    if completes_move(needed, accepted | {step}):
        request.to_household_id = to_household_id
        request.status = MoveRequestStatus.ACCEPTED
        request.closed_by_id = actor.user_id
        request.closed_at = actor.now
        # The household named is looked up as the accepting side sees it: its own village's.
        if to_household_id is not None:
            await load_visible(session, Household, to_household_id, "toHouseholdId", "household")
        async with granted_move(session, request.area_code):
            child = await session.get(
                Child, request.child_id, execution_options={GRANTED_MOVE_OPTION: True}
            )
            if (
                child is None
                or child.deleted_at is not None
                or child.area_code != request.area_code
            ):
                raise refuse("REQUEST_CLOSED", "id", "the move request is no longer open")
            await carry_move(
                session, actor, child, request.to_area_code, to_household_id,
                requested_by_id=request.requested_by_id,
                whole_file={GRANTED_MOVE_OPTION: True},
            )  # fmt: skip
    await session.flush()
    await session.refresh(request)
    return request


async def decline_child_move(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, expected_version: int, reason: str
) -> ChildMoveRequest:
    """Decline a requested move, with a reason: whoever has an acceptance of it to give."""
    raise_problems(problems(check_required(reason, "reason"), check_length(reason, "reason", 500)))
    request = await _open_request(session, request_id, expected_version)
    needed = acceptance_steps(request.area_code, request.to_area_code)
    if not any(_may_take(actor, request, step) for step in needed):
        require(actor.scope, "child_move", "accept", request.to_area_code)
    return await _close(session, actor, request, MoveRequestStatus.DECLINED, reason)


async def cancel_child_move(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, expected_version: int
) -> ChildMoveRequest:
    """Withdraw a requested move: the requesting side (who may request moves from the
    child's village)."""
    request = await _open_request(session, request_id, expected_version)
    require(actor.scope, "child_move", "request", request.area_code)
    return await _close(session, actor, request, MoveRequestStatus.CANCELLED, None)


async def _close(
    session: AsyncSession,
    actor: Actor,
    request: ChildMoveRequest,
    status: MoveRequestStatus,
    reason: str | None,
) -> ChildMoveRequest:
    request.status = status
    request.closed_by_id = actor.user_id
    request.closed_at = actor.now
    request.decline_reason = reason
    await session.flush()
    await session.refresh(request)
    return request
