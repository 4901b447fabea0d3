"""Reading referrals and the organization directory (through scoped sessions: a referral is
seen with its case; the directory is bounded by the rule authz gives)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import OrganizationKind, ReferralStatus
from app.models import CaseReferral, Organization

ReferralKey = tuple[datetime, uuid.UUID]  # (referred_at, id), newest first


async def referrals_by_case(
    session: AsyncSession, case_ids: Sequence[uuid.UUID]
) -> list[list[CaseReferral]]:
    """Each case's referrals, newest first."""
    grouped: dict[uuid.UUID, list[CaseReferral]] = defaultdict(list)
    rows = await session.scalars(
        select(CaseReferral)
        .where(CaseReferral.case_id.in_(case_ids), CaseReferral.deleted_at.is_(None))
        .order_by(CaseReferral.referred_at.desc(), CaseReferral.id.desc())
    )
    for row in rows:
        grouped[row.case_id].append(row)
    return [grouped[case_id] for case_id in case_ids]


def _inbox(organization_id: uuid.UUID, status: ReferralStatus | None) -> list[ColumnElement[bool]]:
    terms = [CaseReferral.organization_id == organization_id, CaseReferral.deleted_at.is_(None)]
    if status is not None:
        terms.append(CaseReferral.status == status)
    return terms


async def list_inbox(
    session: AsyncSession,
    organization_id: uuid.UUID,
    status: ReferralStatus | None,
    *,
    after: ReferralKey | None,
    limit: int,
) -> list[CaseReferral]:
    """Referrals to an organization, newest first, after a key."""
    query = (
        select(CaseReferral)
        .where(*_inbox(organization_id, status))
        .order_by(CaseReferral.referred_at.desc(), CaseReferral.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(CaseReferral.referred_at, CaseReferral.id) < tuple_(*after))
    return list(await session.scalars(query))


async def count_inbox(
    session: AsyncSession, organization_id: uuid.UUID, status: ReferralStatus | None
) -> int:
    """How many referrals to an organization there are (with the status)."""
    query = select(func.count()).select_from(CaseReferral).where(*_inbox(organization_id, status))
    return await session.scalar(query) or 0


def _directory(
    visible: ColumnElement[bool], kind: OrganizationKind | None, area_code: str | None
) -> list[ColumnElement[bool]]:
    terms = [visible]
    if kind is not None:
        terms.append(Organization.kind == kind)
    if area_code:
        # Placed in the area, or in an area containing it: the bodies that serve it.
        enclosing = [area_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(area_code)]
        terms.append(
            or_(Organization.area_code.in_(enclosing), Organization.area_code.startswith(area_code))
        )
    return terms


async def list_organizations(
    session: AsyncSession,
    visible: ColumnElement[bool],
    *,
    kind: OrganizationKind | None,
    area_code: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Organization]:
    """Organizations the `visible` rule (authz.predicates.organization_directory) admits, by
    area code (province first, then down) and id."""
    query = (
        select(Organization)
        .where(*_directory(visible, kind, area_code))
        .order_by(Organization.area_code, Organization.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Organization.area_code, Organization.id) > tuple_(*after))
    return list(await session.scalars(query))


async def count_organizations(
    session: AsyncSession,
    visible: ColumnElement[bool],
    *,
    kind: OrganizationKind | None,
    area_code: str | None,
) -> int:
    """How many organizations the rule admits."""
    query = (
        select(func.count()).select_from(Organization).where(*_directory(visible, kind, area_code))
    )
    return await session.scalar(query) or 0


async def organizations_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Organization | None]:
    """Organizations by id, in order (names of referral receivers: not child data)."""
    rows = await session.scalars(select(Organization).where(Organization.id.in_(ids)))
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]
