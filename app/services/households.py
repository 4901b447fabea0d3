"""Writes to a household's file: the household and its parents."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas import province_codes
from app.domain.idnumber import normalize_id_number
from app.domain.validation import (
    MAX_LIST_ITEMS,
    Problem,
    check_id_number,
    check_length,
    check_list_length,
    check_not_future,
    check_parent_relations,
    check_phone,
    check_province_code,
    check_required,
    problems,
)
from app.enums import AreaLevel, ContactFrequency, ParentRelation, ParentStatus
from app.errors import DomainError, raise_problems, refuse
from app.models import Area, Child, Household, Parent
from app.services.common import (
    Actor,
    Changes,
    New,
    existing_create,
    load_for_write,
    merge_create,
    merge_update,
    values_of,
    write_changes,
)
from app.services.derivation import refresh_children
from app.services.tasks import apply_task_rules
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


def parent_problems(parent: ParentData, index: int, actor: Actor) -> list[Problem]:
    """What is wrong with a parent as written (fields named by the parent's place in the input)."""
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


def parent_values(parent: ParentData) -> dict[str, object]:
    """The columns written for a parent: the name trimmed, the ID number normalised."""
    return values_of(parent) | {
        "name": parent.name.strip(),
        "id_number": normalize_id_number(parent.id_number) if parent.id_number else None,
    }


def household_problems(household: HouseholdData) -> list[Problem]:
    """What is wrong with a household as written."""
    return problems(
        check_required(household.address, "address"),
        check_length(household.address, "address", 300),
        check_phone(household.phone, "phone"),
    )


def household_values(household: HouseholdData) -> dict[str, object]:
    """The columns written for a household: the address trimmed."""
    return values_of(household) | {"address": household.address.strip()}


async def register_household(
    session: AsyncSession, actor: Actor, new: New, parents: Sequence[New]
) -> Household:
    """A new household in a village, with its parents. Idempotent by client id."""
    data, found = merge_create(HouseholdData, new.changes)
    if data is not None:
        found += household_problems(data)
    too_many = check_list_length(parents, "parents")
    if too_many is not None:
        found.append(too_many)
    parent_data: list[ParentData] = []
    relations: list[tuple[str, ParentRelation]] = []
    for index, parent in enumerate(parents[:MAX_LIST_ITEMS]):
        record, missing = merge_create(ParentData, parent.changes, prefix=_parent_prefix(index))
        found += missing
        if record is not None:
            found += parent_problems(record, index, actor)
            parent_data.append(record)
            relations.append((_parent_prefix(index) + "relation", record.relation))
    found += check_parent_relations(relations)
    if data is None or found:
        raise DomainError(found)
    area = await session.get(Area, data.area_code)
    if area is None or area.level is not AreaLevel.VILLAGE:
        raise refuse("INVALID_AREA", "areaCode", "not a village code")
    require(actor.scope, "child_file", "write", data.area_code, field="areaCode")
    values = household_values(data)
    existing = await existing_create(session, Household, new.id, values)
    if existing is not None:
        return existing
    household = Household(id=new.id or uuid.uuid4(), created_by_id=actor.user_id, **values)
    session.add(household)
    for parent, record in zip(parents, parent_data, strict=True):
        session.add(
            Parent(
                id=parent.id or uuid.uuid4(),
                household_id=household.id,
                area_code=household.area_code,
                **parent_values(record),
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
    household: Household = await load_for_write(
        session, actor, Household, household_id, expected_version,
        field="id", what="household", permission=("child_file", "write"),
    )  # fmt: skip
    data, found = merge_update(HouseholdData, Household, household, changes)
    raise_problems(found + household_problems(data))
    if data.area_code != household.area_code:
        raise refuse("INVALID", "areaCode", "use moveChild to move a family to another village")
    write_changes(household, household_values(data), changes)
    await session.flush()
    children = list(
        await session.scalars(select(Child.id).where(Child.household_id == household.id))
    )
    await refresh_children(session, children, actor.today)
    await apply_task_rules(session, actor, children)
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
    parent: Parent = await load_for_write(
        session, actor, Parent, parent_id, expected_version,
        field="id", what="parent", permission=("child_file", "write"),
    )  # fmt: skip
    data, found = merge_update(ParentData, Parent, parent, changes, prefix=_parent_prefix(0))
    raise_problems(found + parent_problems(data, 0, actor))
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
    write_changes(parent, parent_values(data), changes)
    await session.flush()
    children = list(
        await session.scalars(select(Child.id).where(Child.household_id == parent.household_id))
    )
    await refresh_children(session, children, actor.today)
    await apply_task_rules(session, actor, children)
    return parent
