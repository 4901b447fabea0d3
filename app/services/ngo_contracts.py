"""Government-purchased services: a county's contracts with NGOs, and the children under them.

The county civil-affairs bureau (`contract manage`) makes and changes contracts: which NGO,
which areas of the county, which services, from when to when. It never sees the children's
names, so it does not pick them: the township supervisors who hold their files
(`contract assign`) assign and unassign their own children by id. An NGO's access follows
from the rows alone (authz/predicates.py): a child assigned now, under a contract in force.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.validation import Problem, check_length, check_required, problems
from app.enums import AreaLevel, ChildStatus, NgoServiceType, OrganizationKind
from app.errors import DomainError, raise_problems, refuse
from app.models import Area, Child, NgoContract, NgoContractChild, Organization
from app.services.common import (
    Actor,
    Changes,
    existing_create,
    load_for_write,
    load_visible,
    merge_create,
    merge_update,
    values_of,
    write_changes,
)
from authz.guard import require

MAX_TITLE = 200
MAX_SCOPE_ENTRIES = 100
# Children per assign or unassign call: a township's caseload is a few pages of these.
MAX_CHILDREN_PER_CALL = 100
_SCOPE_LEVELS = (AreaLevel.COUNTY, AreaLevel.TOWNSHIP, AreaLevel.VILLAGE)


@dataclass(frozen=True)
class ContractTerms:
    """What a county decides about a contract (everything but the NGO, which is fixed), as
    it will be stored: the terms sent over the stored contract."""

    title: str
    area_scope: list[str]
    service_types: list[NgoServiceType]
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class ContractData:
    """A new contract as the county sends it."""

    ngo_id: uuid.UUID
    terms: Changes
    id: uuid.UUID | None = None


def _term_problems(terms: ContractTerms) -> list[Problem]:
    return problems(
        check_required(terms.title, "title"),
        check_length(terms.title, "title", MAX_TITLE),
        None if terms.service_types else Problem(
            "REQUIRED", "serviceTypes", "at least one service type"
        ),
        None if terms.area_scope else Problem("REQUIRED", "areaScope", "at least one area"),
        None if len(terms.area_scope) <= MAX_SCOPE_ENTRIES else Problem(
            "TOO_MANY", "areaScope", "at most {maximum} areas", {"maximum": MAX_SCOPE_ENTRIES}
        ),
        None if terms.ends_on >= terms.starts_on else Problem(
            "INVALID_DATES", "endsOn", "a contract cannot end before it starts"
        ),
    )  # fmt: skip


async def _county_of_scope(session: AsyncSession, scope: list[str]) -> str:
    """The one county every area of the scope lies in (INVALID_AREA, SCOPE_OUTSIDE_COUNTY)."""
    codes = sorted(set(scope))
    rows = await session.execute(select(Area.code, Area.level).where(Area.code.in_(codes)))
    levels = {code: level for code, level in rows}
    unknown = [
        Problem("INVALID_AREA", f"areaScope.{scope.index(code)}", "not a county, township or "
                "village code")
        for code in codes
        if levels.get(code) not in _SCOPE_LEVELS
    ]  # fmt: skip
    raise_problems(unknown)
    counties = {code[:6] for code in codes}
    if len(counties) > 1:
        raise refuse("SCOPE_OUTSIDE_COUNTY", "areaScope", "a contract serves areas of one county")
    return counties.pop()


def _values(terms: ContractTerms) -> dict[str, object]:
    return values_of(terms) | {
        "title": terms.title.strip(),
        "area_scope": sorted(set(terms.area_scope)),
        "service_types": sorted(set(terms.service_types), key=list(NgoServiceType).index),
    }


async def create_contract(session: AsyncSession, actor: Actor, data: ContractData) -> NgoContract:
    """A county's new contract with an NGO over areas of the county. Idempotent by client id."""
    terms, found = merge_create(ContractTerms, data.terms)
    if terms is None:
        raise DomainError(found)
    raise_problems(found + _term_problems(terms))
    county = await _county_of_scope(session, terms.area_scope)
    require(actor.scope, "contract", "manage", county, field="areaScope")
    ngo = await session.get(Organization, data.ngo_id)
    if ngo is None or ngo.deleted_at is not None:
        raise refuse("NOT_FOUND", "ngoId", "no such organization")
    if ngo.kind is not OrganizationKind.NGO:
        raise refuse(
            "NOT_AN_NGO",
            "ngoId",
            "{name} is a {kind}, not an NGO",
            {"name": ngo.name, "kind": ngo.kind},
        )
    values = {"ngo_id": ngo.id, "area_code": county, **_values(terms)}
    existing = await existing_create(session, NgoContract, data.id, values)
    if existing is not None:
        return existing
    contract = NgoContract(id=data.id or uuid.uuid4(), **values)
    session.add(contract)
    await session.flush()
    return contract


async def update_contract(
    session: AsyncSession,
    actor: Actor,
    contract_id: uuid.UUID,
    expected_version: int,
    changes: Changes,
) -> NgoContract:
    """Change a contract's terms: extend or end it early, change its areas or services (the
    terms sent, and only those).

    Children assigned in areas the new scope leaves out are unassigned with it, so the NGO's
    access to them ends at once; the county cannot see who they are, and need not.
    """
    contract: NgoContract = await load_for_write(
        session, actor, NgoContract, contract_id, expected_version,
        field="id", what="contract", permission=("contract", "manage"),
    )  # fmt: skip
    terms, found = merge_update(ContractTerms, NgoContract, contract, changes)
    raise_problems(found + _term_problems(terms))
    if await _county_of_scope(session, terms.area_scope) != contract.area_code:
        raise refuse(
            "SCOPE_OUTSIDE_COUNTY", "areaScope", "the scope must stay in the contract's county"
        )
    write_changes(contract, _values(terms), changes)
    scope = sorted(set(terms.area_scope))
    assigned = await session.scalars(
        select(NgoContractChild).where(
            NgoContractChild.contract_id == contract.id,
            NgoContractChild.unassigned_at.is_(None),
            NgoContractChild.deleted_at.is_(None),
        )
    )
    for assignment in assigned:
        if not _covers(scope, assignment.area_code):
            assignment.unassigned_at = actor.now
    await session.flush()
    return contract


def _covers(scope: list[str], area_code: str) -> bool:
    return any(area_code.startswith(entry) for entry in scope)


@dataclass(frozen=True)
class AssignmentResult:
    """What an assign or unassign call changed."""

    contract: NgoContract
    changed: int
    unchanged: int


async def _children_for(
    session: AsyncSession, actor: Actor, child_ids: list[uuid.UUID]
) -> list[tuple[str, Child]]:
    """The children named (with the input field of each), each visible and the caller's to
    assign; every problem at once. A child named twice counts once."""
    if not child_ids:
        raise refuse("REQUIRED", "childIds", "at least one child")
    if len(child_ids) > MAX_CHILDREN_PER_CALL:
        raise refuse(
            "TOO_MANY", "childIds", "at most {maximum} children a call",
            {"maximum": MAX_CHILDREN_PER_CALL},
        )  # fmt: skip
    found: dict[uuid.UUID, tuple[str, Child]] = {}
    wrong: list[Problem] = []
    for index, child_id in enumerate(child_ids):
        field = f"childIds.{index}"
        child = await session.get(Child, child_id)
        if child is None or child.deleted_at is not None:
            wrong.append(Problem("NOT_FOUND", field, "no such child"))
        elif not actor.scope.allows("contract", "assign", child.area_code):
            wrong.append(Problem("FORBIDDEN", field, "you may not assign this child"))
        else:
            found.setdefault(child.id, (field, child))
    raise_problems(wrong)
    return list(found.values())


def _assignment_problems(contract: NgoContract, field: str, child: Child) -> Problem | None:
    if not _covers(contract.area_scope, child.area_code):
        return Problem(
            "OUTSIDE_CONTRACT_SCOPE", field, "the child lives outside the contract's areas"
        )
    if child.status is not ChildStatus.ACTIVE:
        return Problem("CHILD_NOT_ACTIVE", field, "the child's file is archived")
    return None


async def assign_children(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, child_ids: list[uuid.UUID]
) -> AssignmentResult:
    """Assign children to a contract in force or yet to start; each must lie in its scope.
    Assigning a child already assigned changes nothing; one unassigned before is assigned
    again."""
    contract: NgoContract = await load_visible(
        session, NgoContract, contract_id, "contractId", "contract"
    )
    if contract.ends_on < actor.today:
        raise refuse(
            "CONTRACT_ENDED", "contractId", "the contract ended on {ends_on}",
            {"ends_on": contract.ends_on},
        )  # fmt: skip
    children = await _children_for(session, actor, child_ids)
    raise_problems(problems(*(_assignment_problems(contract, f, c) for f, c in children)))
    changed = 0
    for _field, child in children:
        assignment = await session.get(NgoContractChild, (contract.id, child.id))
        if assignment is None:
            session.add(
                NgoContractChild(
                    contract_id=contract.id, child_id=child.id, area_code=child.area_code,
                    assigned_at=actor.now,
                )
            )  # fmt: skip
        elif assignment.unassigned_at is not None or assignment.deleted_at is not None:
            assignment.unassigned_at = assignment.deleted_at = None
            assignment.assigned_at = actor.now
            assignment.area_code = child.area_code
        else:
            continue
        changed += 1
    await session.flush()
    return AssignmentResult(contract, changed, len(children) - changed)


async def unassign_children(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, child_ids: list[uuid.UUID]
) -> AssignmentResult:
    """End children's assignment to a contract (kept, with the day it ended); the NGO loses
    access to them at once. Unassigning a child not assigned changes nothing."""
    contract: NgoContract = await load_visible(
        session, NgoContract, contract_id, "contractId", "contract"
    )
    children = await _children_for(session, actor, child_ids)
    changed = 0
    for _field, child in children:
        assignment = await session.get(NgoContractChild, (contract.id, child.id))
        if assignment is not None and assignment.unassigned_at is None:
            assignment.unassigned_at = actor.now
            changed += 1
    await session.flush()
    return AssignmentResult(contract, changed, len(children) - changed)
