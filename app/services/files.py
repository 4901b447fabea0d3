"""Writes to a child's file: households and parents, children, visits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.idnumber import mask_id_number, normalize_id_number
from app.domain.schedule import next_regular_visit_due
from app.domain.validation import (
    MAX_LIST_ITEMS,
    Problem,
    check_age_range,
    check_id_number,
    check_length,
    check_list_length,
    check_not_future,
    check_phone,
    check_required,
    problems,
)
from app.enums import (
    AreaLevel,
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
from app.errors import check_version, not_found, raise_problems, refuse
from app.models import Area, Child, Household, Parent, Visit
from app.services.common import Actor, existing_create
from app.services.derivation import refresh_children
from authz.guard import require

M = TypeVar("M", bound=Any)


@dataclass(frozen=True)
class ParentData:
    """A parent as the app sends it."""

    relation: ParentRelation
    name: str
    status: ParentStatus
    id: uuid.UUID | None = None
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
    """A household as the app sends it."""

    area_code: str
    address: str
    id: uuid.UUID | None = None
    phone: str | None = None
    minimum_allowance: bool = False
    extreme_poverty: bool = False
    registered_poverty: bool = False
    parents: list[ParentData] = field(default_factory=list)


def _parent_problems(parent: ParentData, index: int, actor: Actor) -> list[Problem]:
    prefix = f"parents.{index}."
    return problems(
        check_required(parent.name, prefix + "name"),
        check_length(parent.name, prefix + "name", 100),
        check_phone(parent.phone, prefix + "phone"),
        check_id_number(parent.id_number, prefix + "idNumber", today=actor.today),
        check_not_future(parent.away_since, prefix + "awaySince", actor.now),
        check_not_future(parent.last_contact_on, prefix + "lastContactOn", actor.now),
    )


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


async def register_household(session: AsyncSession, actor: Actor, data: HouseholdData) -> Household:
    """A new household in a village, with its parents. Idempotent by client id."""
    raise_problems(
        problems(
            check_required(data.address, "address"),
            check_length(data.address, "address", 300),
            check_phone(data.phone, "phone"),
            check_list_length(data.parents, "parents"),
            *(_parent_problems(p, i, actor) for i, p in enumerate(data.parents[:MAX_LIST_ITEMS])),
        )
    )
    area = await session.get(Area, data.area_code)
    if area is None or area.level is not AreaLevel.VILLAGE:
        raise refuse("INVALID_AREA", "areaCode", "not a village code")
    require(actor.scope, "child_file", "write", data.area_code, field="areaCode")
    values = {
        "area_code": data.area_code,
        "address": data.address.strip(),
        "phone": data.phone,
        "minimum_allowance": data.minimum_allowance,
        "extreme_poverty": data.extreme_poverty,
        "registered_poverty": data.registered_poverty,
    }
    existing = await existing_create(session, Household, data.id, values)
    if existing is not None:
        return existing
    household = Household(id=data.id or uuid.uuid4(), **values)
    session.add(household)
    for parent in data.parents:
        session.add(
            Parent(
                id=parent.id or uuid.uuid4(),
                household_id=household.id,
                area_code=household.area_code,
                **_parent_values(parent),
            )
        )
    await session.flush()
    return household


async def load_visible(
    session: AsyncSession, model: type[M], record_id: uuid.UUID, field: str, what: str
) -> M:
    """A live row the caller may see, or NOT_FOUND (the two cannot be told apart)."""
    row = await session.get(model, record_id)
    if row is None or row.deleted_at is not None:
        raise not_found(field, what)
    return row


async def update_household(
    session: AsyncSession,
    actor: Actor,
    household_id: uuid.UUID,
    expected_version: int,
    data: HouseholdData,
) -> Household:
    """Change a household's address, phone and poverty flags (which re-derive its children's
    categories). Parents are changed one by one with update_parent."""
    raise_problems(
        problems(
            check_required(data.address, "address"),
            check_length(data.address, "address", 300),
            check_phone(data.phone, "phone"),
        )
    )
    household: Household = await load_visible(session, Household, household_id, "id", "household")
    require(actor.scope, "child_file", "write", household.area_code)
    check_version(household, expected_version)
    if data.area_code != household.area_code:
        raise refuse("INVALID", "areaCode", "use moveChild to move a family to another village")
    household.address = data.address.strip()
    household.phone = data.phone
    household.minimum_allowance = data.minimum_allowance
    household.extreme_poverty = data.extreme_poverty
    household.registered_poverty = data.registered_poverty
    await session.flush()
    children = await session.scalars(select(Child.id).where(Child.household_id == household.id))
    await refresh_children(session, list(children), actor.today)
    return household


async def update_parent(
    session: AsyncSession,
    actor: Actor,
    parent_id: uuid.UUID,
    expected_version: int,
    data: ParentData,
) -> Parent:
    """Change a parent's record; a change of status re-derives the children's categories."""
    raise_problems(_parent_problems(data, 0, actor))
    parent: Parent = await load_visible(session, Parent, parent_id, "id", "parent")
    require(actor.scope, "child_file", "write", parent.area_code)
    check_version(parent, expected_version)
    for key, value in _parent_values(data).items():
        setattr(parent, key, value)
    await session.flush()
    children = await session.scalars(
        select(Child.id).where(Child.household_id == parent.household_id)
    )
    await refresh_children(session, list(children), actor.today)
    return parent


@dataclass(frozen=True)
class ChildData:
    """A child as the app sends it."""

    household_id: uuid.UUID
    name: str
    gender: Gender
    birth_date: date
    living_arrangement: LivingArrangement
    school_status: SchoolStatus
    id: uuid.UUID | None = None
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
    this query) and reported without a pointer (see the mutation runner)."""
    found = await session.scalar(
        select(Child).where(Child.id_number == id_number, Child.deleted_at.is_(None))
    )
    if found is not None and found.id != own_id:
        raise refuse(
            "DUPLICATE_CHILD",
            "idNumber",
            "{id_number} is already on file: child {child} in {area}",
            {"id_number": mask_id_number(id_number), "child": found.id, "area": found.area_code},
            current=found,
        )


def _child_problems(data: ChildData, actor: Actor) -> list[Problem]:
    return problems(
        check_required(data.name, "name"),
        check_length(data.name, "name", 100),
        check_age_range(data.birth_date, actor.today),
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


async def register_child(session: AsyncSession, actor: Actor, data: ChildData) -> Child:
    """A new child in a household of the caller's area. Idempotent by client id."""
    raise_problems(_child_problems(data, actor))
    household: Household = await load_visible(
        session, Household, data.household_id, "householdId", "household"
    )
    require(actor.scope, "child_file", "write", household.area_code, field="householdId")
    values = _child_values(data)
    existing = await existing_create(session, Child, data.id, values)
    if existing is not None:
        return existing
    if values["id_number"]:
        await _refuse_duplicate(session, actor, str(values["id_number"]), None)
    child = Child(id=data.id or uuid.uuid4(), area_code=household.area_code, **values)
    session.add(child)
    await session.flush()
    await refresh_children(session, [child.id], actor.today)
    await session.refresh(child)
    return child


async def update_child(
    session: AsyncSession,
    actor: Actor,
    child_id: uuid.UUID,
    expected_version: int,
    data: ChildData,
) -> Child:
    """Change a child's file (all fields, as the app edits them)."""
    raise_problems(_child_problems(data, actor))
    child: Child = await load_visible(session, Child, child_id, "id", "child")
    require(actor.scope, "child_file", "write", child.area_code)
    check_version(child, expected_version)
    if data.household_id != child.household_id:
        raise refuse("INVALID", "householdId", "use moveChild to change the household")
    values = _child_values(data)
    if values["id_number"] and values["id_number"] != child.id_number:
        await _refuse_duplicate(session, actor, str(values["id_number"]), child.id)
    for key, value in values.items():
        setattr(child, key, value)
    await session.flush()
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


async def record_visit(session: AsyncSession, actor: Actor, data: VisitData) -> Visit:
    """A visit to a child; the child's next visit due moves on. Idempotent by client id.

    The visit records the person (none for an integration's key) and the organization they
    acted for, which is how an NGO finds its own service visits."""
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
    if not actor.scope.allows("child_file", "write", child.area_code):
        # An NGO records service visits to the children it is contracted for.
        require(actor.scope, "service_visit", "write", child.area_code, field="childId")
        if data.kind is not VisitKind.NGO_SERVICE:
            raise refuse("FORBIDDEN", "kind", "an NGO records NGO_SERVICE visits")
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
