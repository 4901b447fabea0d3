"""Reading NGO service contracts and who is assigned under them (through scoped sessions:
a county sees its county's contracts, an NGO its own, a township those serving it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Child, NgoContract, NgoContractChild, Organization
from app.store.children import LISTING, ChildKey
from app.store.common import live_by_id

ContractKey = tuple[date, uuid.UUID]  # (starts_on, id), newest first


def _in_force(today: date, in_force: bool | None) -> list[ColumnElement[bool]]:
    if in_force is None:
        return []
    running = (NgoContract.starts_on <= today) & (NgoContract.ends_on >= today)
    return [running if in_force else ~running]


async def list_contracts(
    session: AsyncSession,
    *,
    today: date,
    in_force: bool | None,
    after: ContractKey | None,
    limit: int,
) -> list[NgoContract]:
    """Contracts the session may see, newest start first, after a key."""
    query = (
        select(NgoContract)
        .where(NgoContract.deleted_at.is_(None), *_in_force(today, in_force))
        .order_by(NgoContract.starts_on.desc(), NgoContract.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(NgoContract.starts_on, NgoContract.id) < tuple_(*after))
    return list(await session.scalars(query))


async def count_contracts(session: AsyncSession, *, today: date, in_force: bool | None) -> int:
    """How many contracts the session may see."""
    query = (
        select(func.count())
        .select_from(NgoContract)
        .where(NgoContract.deleted_at.is_(None), *_in_force(today, in_force))
    )
    return await session.scalar(query) or 0


async def contracts_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[NgoContract | None]:
    """The live contracts with these ids, in order, None where missing or out of scope."""
    return await live_by_id(session, NgoContract, ids)


def _current(contract_id: uuid.UUID | None = None) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = [
        NgoContractChild.unassigned_at.is_(None),
        NgoContractChild.deleted_at.is_(None),
    ]
    if contract_id is not None:
        terms.append(NgoContractChild.contract_id == contract_id)
    return terms


async def assigned_counts(session: AsyncSession, contract_ids: Sequence[uuid.UUID]) -> list[int]:
    """For each contract, how many children are assigned now (of those the session may see:
    all of them for the county and the NGO, a township's own for a township)."""
    rows = await session.execute(
        select(NgoContractChild.contract_id, func.count())
        .where(NgoContractChild.contract_id.in_(contract_ids), *_current())
        .group_by(NgoContractChild.contract_id)
    )
    counts: dict[uuid.UUID, int] = {contract_id: n for contract_id, n in rows}
    return [counts.get(contract_id, 0) for contract_id in contract_ids]


def _assigned(contract_id: uuid.UUID) -> list[ColumnElement[bool]]:
    assigned = select(NgoContractChild.child_id).where(*_current(contract_id))
    return [Child.id.in_(assigned), Child.deleted_at.is_(None)]


async def list_assigned_children(
    session: AsyncSession, contract_id: uuid.UUID, *, after: ChildKey | None, limit: int
) -> list[Child]:
    """Children assigned under a contract now, as far as the session may see them (an NGO:
    only while the contract is in force; a county: none, it sees numbers, not names)."""
    query = (
        select(Child)
        .where(*_assigned(contract_id))
        .order_by(Child.area_code, Child.id)
        .limit(limit)
        .execution_options(**LISTING)
    )
    if after is not None:
        query = query.where(tuple_(Child.area_code, Child.id) > tuple_(*after))
    return list(await session.scalars(query))


async def count_assigned_children(session: AsyncSession, contract_id: uuid.UUID) -> int:
    """How many of the contract's children the session may see."""
    query = (
        select(func.count())
        .select_from(Child)
        .where(*_assigned(contract_id))
        .execution_options(**LISTING)
    )
    return await session.scalar(query) or 0


async def organization_names(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[str]:
    """The names of organizations (public facts: which NGO holds a contract)."""
    rows = await session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(ids))
    )
    names: dict[uuid.UUID, str] = {org_id: name for org_id, name in rows}
    return [names.get(org_id, "") for org_id in ids]


async def list_ngos(
    session: AsyncSession,
    visible: ColumnElement[bool],
    *,
    name: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Organization]:
    """NGOs the `visible` rule (authz.predicates.ngo_directory) admits, by name."""
    query = (
        select(Organization)
        .where(visible, *_name_has(name))
        .order_by(Organization.name, Organization.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Organization.name, Organization.id) > tuple_(*after))
    return list(await session.scalars(query))


async def count_ngos(
    session: AsyncSession, visible: ColumnElement[bool], *, name: str | None
) -> int:
    """How many NGOs the rule admits."""
    query = select(func.count()).select_from(Organization).where(visible, *_name_has(name))
    return await session.scalar(query) or 0


def _name_has(name: str | None) -> list[ColumnElement[bool]]:
    if not name or not name.strip():
        return []
    return [Organization.name.contains(name.strip(), autoescape=True)]
