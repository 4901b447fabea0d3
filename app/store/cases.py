"""Reading protection cases."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, not_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import CaseCategory, CaseStage
from app.models import Case
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
        .order_by(Case.reported_at.desc())
    )
    for case in rows:
        grouped[case.child_id].append(case)
    return [grouped[child_id] for child_id in child_ids]
