"""Reading referrals (through scoped sessions: a referral is seen with its case, and always
by the organization it was sent to)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import ReferralStatus
from app.models import CaseReferral

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
