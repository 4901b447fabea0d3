"""Reading protection cases."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, not_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import CaseCategory, CaseStage, ReferralStatus
from app.models import Case, CaseEvent, CaseReferral, User
from app.store.common import live_by_id

CaseKey = tuple[datetime, uuid.UUID]  # (reported_at, id), listed newest first


async def cases_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Case | None]:
    """The live case rows with these ids, in order, None where missing or out of scope."""
    return await live_by_id(session, Case, ids)


@dataclass(frozen=True)
class CaseCriteria:
    """What a list of cases is narrowed to (all optional)."""

    stage: CaseStage | None = None
    category: CaseCategory | None = None
    overdue: bool | None = None

    def conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        """The WHERE conditions of these criteria, as of `now`."""
        terms: list[ColumnElement[bool]] = [Case.deleted_at.is_(None)]
        if self.stage is not None:
            terms.append(Case.stage == self.stage)
        if self.category is not None:
            terms.append(Case.category == self.category)
        if self.overdue is not None:
            late = and_(Case.due_at.is_not(None), Case.due_at < now)
            terms.append(late if self.overdue else not_(late))
        return terms


async def list_cases(
    session: AsyncSession,
    criteria: CaseCriteria,
    *,
    now: datetime,
    after: CaseKey | None,
    limit: int,
) -> list[Case]:
    """Cases matching the criteria, newest report first, after a key (keyset pagination)."""
    query = (
        select(Case)
        .where(*criteria.conditions(now))
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Case.reported_at, Case.id) < tuple_(*after))
    return list(await session.scalars(query))


async def count_cases(session: AsyncSession, criteria: CaseCriteria, *, now: datetime) -> int:
    """How many cases match the criteria."""
    query = select(func.count()).select_from(Case).where(*criteria.conditions(now))
    return await session.scalar(query) or 0


async def open_cases_by_child(
    session: AsyncSession, child_ids: Sequence[uuid.UUID]
) -> list[list[Case]]:
    """Each child's open (not closed) cases, newest report first."""
    grouped: dict[uuid.UUID, list[Case]] = defaultdict(list)
    rows = await session.scalars(
        select(Case)
        .where(
            Case.child_id.in_(child_ids),
            Case.stage != CaseStage.CLOSED,
            Case.deleted_at.is_(None),
        )
        .order_by(Case.reported_at.desc(), Case.id)
    )
    for case in rows:
        grouped[case.child_id].append(case)
    return [grouped[child_id] for child_id in child_ids]


EventKey = tuple[datetime, uuid.UUID]  # (occurred_at, id), listed oldest first
EventPage = tuple[uuid.UUID, EventKey | None, int]  # a case, the key to continue after, a limit


async def case_event_pages(
    session: AsyncSession, pages: Sequence[EventPage]
) -> list[list[CaseEvent]]:
    """For each (case, after, limit): up to `limit` events of the case after the key, oldest
    first. One statement for all pages that continue after the same key (so one for the
    first pages of any number of cases)."""
    groups: dict[tuple[EventKey | None, int], list[uuid.UUID]] = defaultdict(list)
    for case_id, after, limit in pages:
        groups[(after, limit)].append(case_id)
    found: dict[EventPage, list[CaseEvent]] = defaultdict(list)
    for (after, limit), case_ids in groups.items():
        rank = func.row_number().over(
            partition_by=CaseEvent.case_id, order_by=(CaseEvent.occurred_at, CaseEvent.id)
        )
        inner = select(CaseEvent.id, rank.label("rank")).where(
            CaseEvent.case_id.in_(case_ids), CaseEvent.deleted_at.is_(None)
        )
        if after is not None:
            inner = inner.where(tuple_(CaseEvent.occurred_at, CaseEvent.id) > tuple_(*after))
        ranked = inner.subquery()
        rows = await session.scalars(
            select(CaseEvent)
            .join(ranked, ranked.c.id == CaseEvent.id)
            .where(ranked.c.rank <= limit)
            .order_by(CaseEvent.occurred_at, CaseEvent.id)
        )
        for event in rows:
            found[(event.case_id, after, limit)].append(event)
    return [found.get(page, []) for page in pages]


async def case_event_counts(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> list[int]:
    """How many events each case has."""
    rows = await session.execute(
        select(CaseEvent.case_id, func.count())
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.deleted_at.is_(None))
        .group_by(CaseEvent.case_id)
    )
    counts: dict[uuid.UUID, int] = {row[0]: row[1] for row in rows}
    return [counts.get(case_id, 0) for case_id in case_ids]


async def users_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[User | None]:
    """The accounts with these ids, in order, deleted ones too: a case's history names who
    acted, even one who has left since."""
    found = {user.id: user for user in await session.scalars(select(User).where(User.id.in_(ids)))}
    return [found.get(user_id) for user_id in ids]


@dataclass(frozen=True)
class CaseStatusRow:
    """What a reporter learns of a case by its number: where it stands, nothing else."""

    case_number: str
    stage: CaseStage
    closed: bool
    last_update: datetime


async def case_status(
    session: AsyncSession, case_number: str, reported: ColumnElement[bool]
) -> CaseStatusRow | None:
    """The status of the case of this number among the cases `reported` admits (the
    caller's reports, authz.predicates.reported_by); None for any other number. Read from
    the table: the reporter may not be allowed to read the case itself (row-level security
    still bounds it). Its last update is its own or its latest event's, whichever is later."""
    cases, events = Case.__table__.c, CaseEvent.__table__.c
    latest_event = (
        select(func.max(events.occurred_at)).where(events.case_id == cases.id).scalar_subquery()
    )
    query = select(
        cases.case_number,
        cases.stage,
        cases.closed_at.is_not(None).label("closed"),
        func.greatest(cases.updated_at, latest_event).label("last_update"),
    ).where(cases.case_number == case_number, cases.deleted_at.is_(None), reported)
    row = (await session.execute(query)).first()
    return None if row is None else CaseStatusRow(*row)


# Referrals: seen with their case, and always by the organization they were sent to.
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


def inbox_conditions(
    organization_id: uuid.UUID, status: ReferralStatus | None
) -> list[ColumnElement[bool]]:
    """The conditions of the live referrals to an organization (with the status)."""
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
        .where(*inbox_conditions(organization_id, status))
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
    query = (
        select(func.count())
        .select_from(CaseReferral)
        .where(*inbox_conditions(organization_id, status))
    )
    return await session.scalar(query) or 0
