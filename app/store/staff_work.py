"""SQL of the supervisor's view (app/services/statistics/staff_work.py): each village's
children and cases, and each director's and supervisor's work, in two statements whatever
the number of villages and people (no statement per director).

Statements over the tables, not the mapped classes, so the request's ORM predicate (which
lets county civil-affairs staff read no child's file) does not apply: only counts leave
them, of the area authz/staff_work.py allows, and row-level security still bounds the
children, visits and cases counted to the caller's areas (as app/store/school_rates.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.staff_work import CHILD_MEASURES
from app.enums import AreaLevel, CaseStage, ChildStatus, Role, TrainingResult
from app.models import Area, AuditEvent, Case, Child, StaffTraining, User, Visit
from authz.patterns import AreaPattern
from authz.predicates import area_in

_areas: Table = Area.__table__  # type: ignore[assignment]
_children: Table = Child.__table__  # type: ignore[assignment]
_visits: Table = Visit.__table__  # type: ignore[assignment]
_cases: Table = Case.__table__  # type: ignore[assignment]
_users: Table = User.__table__  # type: ignore[assignment]
_trainings: Table = StaffTraining.__table__  # type: ignore[assignment]
_events: Table = AuditEvent.__table__  # type: ignore[assignment]
# The people of the view: the directors, and the supervisors a township's row counts.
STAFF_ROLES = (Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_SUPERVISOR)


@dataclass(frozen=True)
class VillageCounts:
    """One village: its name, its township and the counts of its children and cases
    (by the names of app/domain/staff_work.CHILD_MEASURES)."""

    code: str
    name: str
    township: str
    counts: dict[str, int]


@dataclass(frozen=True)
class PersonWork:
    """A director or supervisor in post and their work: visits they recorded in the period,
    their last passed training and their latest activity (visit or audited action)."""

    id: uuid.UUID
    name: str
    role: Role
    area_code: str
    appointed_on: date | None
    trained_on: date | None
    visits_done: int
    last_activity_at: datetime | None


def _under(column: Any, area: str) -> Any:
    return area_in(cast(Any, column), (AreaPattern(area, exact=False),))


async def village_counts(
    session: AsyncSession, area: str, start: datetime, end: datetime, today: date, now: datetime
) -> list[VillageCounts]:
    """Every village under `area`, by code, with its children on file (active, not archived
    or merged) now, its key children, those visited from `start` to `end`, those whose visit
    is overdue today (next visit due before today, as visitsOverdue and the children's
    `visitOverdue` filter count), its open cases and those past their stage's deadline now."""
    a, c, v, k = _areas.c, _children.c, _visits.c, _cases.c
    visited = exists().where(
        v.child_id == c.id, v.deleted_at.is_(None), v.visited_at >= start, v.visited_at < end
    )
    children = (
        select(
            c.area_code.label("code"),
            func.count().label("children"),
            func.count().filter(c.is_key_child).label("key_children"),
            func.count().filter(visited).label("visited"),
            func.count().filter(c.next_visit_due < today).label("visits_overdue"),
        )
        .where(c.deleted_at.is_(None), c.status == ChildStatus.ACTIVE, _under(c.area_code, area))
        .group_by(c.area_code)
        .subquery()
    )
    cases = (
        select(
            k.area_code.label("code"),
            func.count().label("open_cases"),
            func.count().filter(k.due_at < now).label("cases_overdue"),
        )
        .where(k.deleted_at.is_(None), k.stage != CaseStage.CLOSED, _under(k.area_code, area))
        .group_by(k.area_code)
        .subquery()
    )
    columns = {
        "children": children.c.children,
        "key_children": children.c.key_children,
        "visited": children.c.visited,
        "visits_overdue": children.c.visits_overdue,
        "open_cases": cases.c.open_cases,
        "cases_overdue": cases.c.cases_overdue,
    }
    query = (
        select(
            a.code,
            a.name,
            a.parent_code,
            *(func.coalesce(columns[m.name], 0).label(m.name) for m in CHILD_MEASURES),
        )
        .select_from(
            _areas.outerjoin(children, children.c.code == a.code).outerjoin(
                cases, cases.c.code == a.code
            )
        )
        .where(a.level == AreaLevel.VILLAGE, _under(a.code, area))
        .order_by(a.code)
    )
    return [
        VillageCounts(
            row.code,
            row.name,
            row.parent_code,
            {m.name: int(row._mapping[m.name]) for m in CHILD_MEASURES},
        )
        for row in await session.execute(query)
    ]


async def staff_work(
    session: AsyncSession, area: str, start: datetime, end: datetime, today: date
) -> list[PersonWork]:
    """The directors and supervisors in post under `area` today (active accounts, not left),
    by area and name, with the visits each recorded from `start` to `end` (as visitor), the
    day of their latest passed training, and their latest visit or audited action."""
    u, v, t, e = _users.c, _visits.c, _trainings.c, _events.c
    trained = (
        select(func.max(t.trained_on))
        .where(t.user_id == u.id, t.result == TrainingResult.PASSED)
        .scalar_subquery()
    )
    done = (
        select(func.count())
        .where(
            v.visitor_id == u.id,
            v.deleted_at.is_(None),
            v.visited_at >= start,
            v.visited_at < end,
        )
        .scalar_subquery()
    )
    last_visit = (
        select(func.max(v.visited_at))
        .where(v.visitor_id == u.id, v.deleted_at.is_(None))
        .scalar_subquery()
    )
    last_event = select(func.max(e.occurred_at)).where(e.actor_user_id == u.id).scalar_subquery()
    query = (
        select(
            u.id,
            u.display_name,
            u.role,
            u.area_code,
            u.appointed_on,
            trained.label("trained_on"),
            done.label("visits_done"),
            # greatest() skips nulls: null only when neither is on record.
            func.greatest(last_visit, last_event).label("last_activity_at"),
        )
        .where(
            u.deleted_at.is_(None),
            u.is_active.is_(True),
            or_(u.left_on.is_(None), u.left_on > today),
            u.role.in_(STAFF_ROLES),
            _under(u.area_code, area),
        )
        .order_by(u.area_code, u.display_name, u.id)
    )
    return [
        PersonWork(
            row.id,
            row.display_name,
            row.role,
            row.area_code,
            row.appointed_on,
            row.trained_on,
            int(row.visits_done),
            row.last_activity_at,
        )
        for row in await session.execute(query)
    ]
