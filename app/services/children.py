"""Writes to a child's file: registering a child, changing its record, moving it to another
village, archiving it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.idnumber import mask_id_number, normalize_id_number
from app.domain.validation import (
    ChildIdentity,
    Problem,
    check_age_fits,
    check_age_range,
    check_id_number,
    check_length,
    check_list_length,
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
    Guardianship,
    Household,
    NgoContractChild,
    Parent,
    Visit,
)
from app.services.common import (
    Actor,
    Changes,
    New,
    existing_create,
    load_for_write,
    load_visible,
    merge_create,
    merge_update,
    values_of,
    write_changes,
)
from app.services.derivation import refresh_children
from authz.guard import require


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
    disability: bool = False
    serious_illness: bool = False
    safety_risk: bool = False
    scattered_orphan: bool = False
    recorded_key_reasons: list[KeyChildReason] = field(default_factory=list)


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
            await session.execute(_REPORT_DUPLICATE, attempt)

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


_REPORT_DUPLICATE = text(
    "SELECT shouhu_report_duplicate_child(:id_number_prints, :area_code, :household_id, "
    ":attempted_child_id, :name, :gender, :birth_date, :reported_by, :reporter_label, "
    ":reported_at)"
)


def _identity(child: Child | dict[str, Any]) -> ChildIdentity:
    if isinstance(child, Child):
        return ChildIdentity(child.name, child.birth_date, child.gender, child.id_number)
    return ChildIdentity(child["name"], child["birth_date"], child["gender"], child["id_number"])


async def _refuse_twin_entry(
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
        if sibling.id != own_id and same_child(entry, _identity(sibling)):
            raise refuse(
                "DUPLICATE_CHILD",
                "name",
                "a child of this name, birth date and gender is already on file in the household",
                current=sibling,
            )


def _child_problems(data: ChildData, actor: Actor) -> list[Problem]:
    return problems(
        check_required(data.name, "name"),
        check_length(data.name, "name", 100),
        check_age_range(data.birth_date, actor.today),
        check_age_fits(data.birth_date, data.school_status, data.living_arrangement, actor.today),
        check_list_length(data.recorded_key_reasons, "recordedKeyReasons"),
        check_id_number(
            data.id_number, "idNumber", birth_date=data.birth_date, gender=data.gender,
            today=actor.today,
        ),
        None if data.id_number or data.no_household_registration else Problem(
            "REQUIRED", "idNumber", "an ID number, or noHouseholdRegistration"
        ),
    )  # fmt: skip


def _child_values(data: ChildData) -> dict[str, object]:
    return values_of(data) | {
        "name": data.name.strip(),
        "id_number": normalize_id_number(data.id_number) if data.id_number else None,
        "recorded_key_reasons": sorted(set(data.recorded_key_reasons)),
    }


async def register_child(session: AsyncSession, actor: Actor, new: New) -> Child:
    """A new child in a household of the caller's area. Idempotent by client id."""
    data, found = merge_create(ChildData, new.changes)
    if data is None:
        raise DomainError(found)
    raise_problems(found + _child_problems(data, actor))
    household: Household = await load_visible(
        session, Household, data.household_id, "householdId", "household"
    )
    require(actor.scope, "child_file", "write", household.area_code, field="householdId")
    values = _child_values(data)
    existing = await existing_create(session, Child, new.id, values)
    if existing is not None:
        return existing
    if values["id_number"]:
        await _refuse_duplicate(session, actor, str(values["id_number"]), None)
    await _refuse_twin_entry(session, household.id, _identity(values), None)
    child = Child(id=new.id or uuid.uuid4(), area_code=household.area_code, **values)
    session.add(child)
    await _write_child(session, actor, child)
    await refresh_children(session, [child.id], actor.today)
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
    ID number against the birth date and gender) see the file as it will be."""
    child: Child = await load_for_write(
        session, actor, Child, child_id, expected_version,
        field="id", what="child", permission=("child_file", "write"),
    )  # fmt: skip
    data, found = merge_update(ChildData, Child, child, changes)
    raise_problems(found + _child_problems(data, actor))
    if data.household_id != child.household_id:
        raise refuse("INVALID", "householdId", "use moveChild to change the household")
    values = _child_values(data)
    if values["id_number"] and values["id_number"] != child.id_number:
        await _refuse_duplicate(session, actor, str(values["id_number"]), child.id)
    if _identity(values) != _identity(child):
        # On a change only: a pair already on file must not block other edits (one of the
        # two is archived as DUPLICATE).
        await _refuse_twin_entry(session, child.household_id, _identity(values), child.id)
    write_changes(child, values, changes)
    if child.status is ChildStatus.PROVISIONAL:
        # The village completing a file opened by a report: a child on file from now on.
        child.status = ChildStatus.ACTIVE
    await _write_child(session, actor, child)
    await refresh_children(session, [child.id], actor.today)
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
    for case_row in (CaseEvent, CaseReferral):
        await session.execute(
            update(case_row)
            .where(case_row.case_id.in_(case_ids))
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
