"""Writes to a child's file: households and parents, children, visits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.areas import province_codes
from app.domain.idnumber import mask_id_number, normalize_id_number
from app.domain.schedule import next_regular_visit_due
from app.domain.validation import (
    MAX_LIST_ITEMS,
    ChildIdentity,
    Problem,
    check_age_fits,
    check_age_range,
    check_id_number,
    check_length,
    check_list_length,
    check_not_before_birth,
    check_not_future,
    check_parent_relations,
    check_phone,
    check_province_code,
    check_required,
    check_visit_kind,
    problems,
    same_child,
)
from app.enums import (
    AreaLevel,
    ChildStatus,
    ContactFrequency,
    Finding,
    Gender,
    KeyChildReason,
    LivingArrangement,
    ParentRelation,
    ParentStatus,
    SchoolStatus,
    VisitKind,
)
from app.errors import DomainError, check_version, raise_problems, refuse
from app.idcrypto import fingerprints
from app.models import Area, Case, Child, Household, Parent, Visit
from app.services.common import (
    Actor,
    Changes,
    New,
    existing_create,
    load_visible,
    merge_create,
    merge_update,
    write_changes,
)
from app.services.derivation import refresh_children
from authz.guard import require


@dataclass(frozen=True)
class ParentData:
    """A parent as it will be stored: the fields sent over the stored row or the defaults."""

    relation: ParentRelation
    name: str
    status: ParentStatus
    id_number: str | None = None
    phone: str | None = None
    work_place: str | None = None
    work_province_code: str | None = None
    away_since: date | None = None
    contact_frequency: ContactFrequency | None = None
    last_contact_on: date | None = None
    home_at_holidays: bool | None = None


@dataclass(frozen=True)
class HouseholdData:
    """A household as it will be stored: the fields sent over the stored row or the defaults.
    Its parents are records of their own."""

    area_code: str
    address: str
    phone: str | None = None
    minimum_allowance: bool = False
    extreme_poverty: bool = False
    registered_poverty: bool = False


@cache
def _provinces() -> frozenset[str]:
    """Every province code of the national table (a parent may work in any of them)."""
    return frozenset(province_codes())


def _parent_problems(parent: ParentData, index: int, actor: Actor) -> list[Problem]:
    prefix = _parent_prefix(index)
    return problems(
        check_required(parent.name, prefix + "name"),
        check_length(parent.name, prefix + "name", 100),
        check_phone(parent.phone, prefix + "phone"),
        check_id_number(parent.id_number, prefix + "idNumber", today=actor.today),
        check_province_code(parent.work_province_code, prefix + "workProvinceCode", _provinces()),
        check_not_future(parent.away_since, prefix + "awaySince", actor.now),
        check_not_future(parent.last_contact_on, prefix + "lastContactOn", actor.now),
    )


def _parent_prefix(index: int) -> str:
    return f"parents.{index}."


def _parent_values(parent: ParentData) -> dict[str, object]:
    return {
        "relation": parent.relation,
        "name": parent.name.strip(),
        "status": parent.status,
        "id_number": normalize_id_number(parent.id_number) if parent.id_number else None,
        "phone": parent.phone,
        "work_place": parent.work_place,
        "work_province_code": parent.work_province_code,
        "away_since": parent.away_since,
        "contact_frequency": parent.contact_frequency,
        "last_contact_on": parent.last_contact_on,
        "home_at_holidays": parent.home_at_holidays,
    }


def _household_problems(household: HouseholdData) -> list[Problem]:
    return problems(
        check_required(household.address, "address"),
        check_length(household.address, "address", 300),
        check_phone(household.phone, "phone"),
    )


def _household_values(household: HouseholdData) -> dict[str, object]:
    return {
        "area_code": household.area_code,
        "address": household.address.strip(),
        "phone": household.phone,
        "minimum_allowance": household.minimum_allowance,
        "extreme_poverty": household.extreme_poverty,
        "registered_poverty": household.registered_poverty,
    }


async def register_household(
    session: AsyncSession, actor: Actor, new: New, parents: Sequence[New]
) -> Household:
    """A new household in a village, with its parents. Idempotent by client id."""
    data, found = merge_create(HouseholdData, Household, new.changes)
    if data is not None:
        found += _household_problems(data)
    too_many = check_list_length(parents, "parents")
    if too_many is not None:
        found.append(too_many)
    parent_data: list[ParentData] = []
    relations: list[tuple[str, ParentRelation]] = []
    for index, parent in enumerate(parents[:MAX_LIST_ITEMS]):
        record, missing = merge_create(
            ParentData, Parent, parent.changes, prefix=_parent_prefix(index)
        )
        found += missing
        if record is not None:
            found += _parent_problems(record, index, actor)
            parent_data.append(record)
            relations.append((_parent_prefix(index) + "relation", record.relation))
    found += check_parent_relations(relations)
    if data is None or found:
        raise DomainError(found)
    area = await session.get(Area, data.area_code)
    if area is None or area.level is not AreaLevel.VILLAGE:
        raise refuse("INVALID_AREA", "areaCode", "not a village code")
    require(actor.scope, "child_file", "write", data.area_code, field="areaCode")
    values = _household_values(data)
    existing = await existing_create(session, Household, new.id, values)
    if existing is not None:
        return existing
    household = Household(id=new.id or uuid.uuid4(), **values)
    session.add(household)
    for parent, record in zip(parents, parent_data, strict=True):
        session.add(
            Parent(
                id=parent.id or uuid.uuid4(),
                household_id=household.id,
                area_code=household.area_code,
                **_parent_values(record),
            )
        )
    await session.flush()
    return household


async def update_household(
    session: AsyncSession,
    actor: Actor,
    household_id: uuid.UUID,
    expected_version: int,
    changes: Changes,
) -> Household:
    """Change a household's address, phone and poverty flags (which re-derive its children's
    categories): the fields sent, and only those. Parents are changed one by one with
    update_parent."""
    household: Household = await load_visible(session, Household, household_id, "id", "household")
    require(actor.scope, "child_file", "write", household.area_code)
    check_version(household, expected_version)
    data, found = merge_update(HouseholdData, Household, household, changes)
    raise_problems(found + _household_problems(data))
    if data.area_code != household.area_code:
        raise refuse("INVALID", "areaCode", "use moveChild to move a family to another village")
    write_changes(household, _household_values(data), changes)
    await session.flush()
    children = await session.scalars(select(Child.id).where(Child.household_id == household.id))
    await refresh_children(session, list(children), actor.today)
    return household


async def update_parent(
    session: AsyncSession,
    actor: Actor,
    parent_id: uuid.UUID,
    expected_version: int,
    changes: Changes,
) -> Parent:
    """Change a parent's record (the fields sent, and only those); a change of status
    re-derives the children's categories."""
    parent: Parent = await load_visible(session, Parent, parent_id, "id", "parent")
    require(actor.scope, "child_file", "write", parent.area_code)
    check_version(parent, expected_version)
    data, found = merge_update(ParentData, Parent, parent, changes, prefix=_parent_prefix(0))
    raise_problems(found + _parent_problems(data, 0, actor))
    if data.relation is not parent.relation:
        # Judged on a change only: a duplicate already on file must not block other edits.
        others = await session.scalars(
            select(Parent.relation).where(
                Parent.household_id == parent.household_id,
                Parent.id != parent.id,
                Parent.deleted_at.is_(None),
            )
        )
        relation = [(_parent_prefix(0) + "relation", data.relation)]
        raise_problems(check_parent_relations(relation, list(others)))
    write_changes(parent, _parent_values(data), changes)
    await session.flush()
    children = await session.scalars(
        select(Child.id).where(Child.household_id == parent.household_id)
    )
    await refresh_children(session, list(children), actor.today)
    return parent


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
    return {
        "household_id": data.household_id,
        "name": data.name.strip(),
        "gender": data.gender,
        "birth_date": data.birth_date,
        "id_number": normalize_id_number(data.id_number) if data.id_number else None,
        "no_household_registration": data.no_household_registration,
        "student_number": data.student_number,
        "school_status": data.school_status,
        "living_arrangement": data.living_arrangement,
        "disability": data.disability,
        "serious_illness": data.serious_illness,
        "safety_risk": data.safety_risk,
        "scattered_orphan": data.scattered_orphan,
        "recorded_key_reasons": sorted(set(data.recorded_key_reasons)),
    }


async def register_child(session: AsyncSession, actor: Actor, new: New) -> Child:
    """A new child in a household of the caller's area. Idempotent by client id."""
    data, found = merge_create(ChildData, Child, new.changes)
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
    child: Child = await load_visible(session, Child, child_id, "id", "child")
    require(actor.scope, "child_file", "write", child.area_code)
    check_version(child, expected_version)
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
    await _write_child(session, actor, child)
    await refresh_children(session, [child.id], actor.today)
    await session.refresh(child)
    return child


@dataclass(frozen=True)
class VisitData:
    """A visit as the app records it (often offline, sent later)."""

    child_id: uuid.UUID
    visited_at: datetime
    kind: VisitKind
    living_conditions: Finding
    guardianship: Finding
    schooling: Finding
    health: Finding
    mental_state: Finding
    id: uuid.UUID | None = None
    risks_found: list[str] = field(default_factory=list)
    notes: str | None = None
    case_id: uuid.UUID | None = None


async def _check_visited_case(session: AsyncSession, child: Child, case_id: uuid.UUID) -> None:
    """The case a visit follows up is one about this child, that the caller may see."""
    case: Case = await load_visible(session, Case, case_id, "caseId", "case")
    if case.child_id != child.id:
        raise refuse("INVALID", "caseId", "the case is about another child")


async def record_visit(session: AsyncSession, actor: Actor, data: VisitData) -> Visit:
    """A visit to a child; the child's next visit due moves on. Idempotent by client id.

    The visit records the person (none for an integration's key) and the organization they
    acted for, which is how an NGO finds its own service visits. A case follow-up names its
    case; NGO_SERVICE visits are an NGO's, and an NGO records no other kind."""
    raise_problems(
        problems(
            check_not_future(data.visited_at, "visitedAt", actor.now),
            check_length(data.notes, "notes", 4000),
            check_list_length(data.risks_found, "risksFound"),
            # Each risk of a list too long is not checked: one error, not thousands.
            *(
                check_length(r, f"risksFound.{i}", 200)
                for i, r in enumerate(data.risks_found[:MAX_LIST_ITEMS])
            ),
        )
    )
    child: Child = await load_visible(session, Child, data.child_id, "childId", "child")
    by_ngo = not actor.scope.allows("child_file", "write", child.area_code)
    if by_ngo:
        # An NGO records service visits to the children it is contracted for.
        require(actor.scope, "service_visit", "write", child.area_code, field="childId")
    raise_problems(
        problems(
            check_visit_kind(data.kind, by_ngo=by_ngo, names_case=data.case_id is not None),
            check_not_before_birth(clock.local_day(data.visited_at), child.birth_date, "visitedAt"),
        )
    )
    if data.case_id is not None:
        await _check_visited_case(session, child, data.case_id)
    values = {
        "child_id": child.id,
        "visited_at": data.visited_at,
        "kind": data.kind,
        "living_conditions": data.living_conditions,
        "guardianship": data.guardianship,
        "schooling": data.schooling,
        "health": data.health,
        "mental_state": data.mental_state,
        "risks_found": list(data.risks_found),
        "notes": data.notes,
        "case_id": data.case_id,
    }
    existing = await existing_create(session, Visit, data.id, values)
    if existing is not None:
        return existing
    visit = Visit(
        id=data.id or uuid.uuid4(),
        area_code=child.area_code,
        visitor_id=actor.user_id,
        organization_id=actor.organization_id,
        next_visit_due=next_regular_visit_due(
            clock.local_day(data.visited_at), child.is_key_child, clock.local_day(data.visited_at)
        ),
        **values,
    )
    session.add(visit)
    await session.flush()
    await refresh_children(session, [child.id], actor.today)
    return visit
