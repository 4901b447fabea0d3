"""Writes of visits to a child."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.schedule import next_regular_visit_due
from app.domain.validation import (
    MAX_LIST_ITEMS,
    check_length,
    check_list_length,
    check_not_before_birth,
    check_not_future,
    check_visit_kind,
    problems,
)
from app.enums import Finding, TaskKind, VisitKind
from app.errors import DomainError, raise_problems, refuse
from app.models import Case, Child, Visit
from app.services.common import (
    Actor,
    New,
    existing_create,
    load_visible,
    merge_create,
    values_of,
)
from app.services.daily import close_ended_about
from app.services.derivation import refresh_children
from authz.guard import require


@dataclass(frozen=True)
class VisitData:
    """A visit as the app records it (often offline, sent later): the fields of
    RecordVisitInput but its client id."""

    child_id: uuid.UUID
    visited_at: datetime
    kind: VisitKind
    living_conditions: Finding
    guardianship: Finding
    schooling: Finding
    health: Finding
    mental_state: Finding
    risks_found: list[str] = field(default_factory=list)
    notes: str | None = None
    case_id: uuid.UUID | None = None


async def _check_visited_case(session: AsyncSession, child: Child, case_id: uuid.UUID) -> None:
    """The case a visit follows up is one about this child, that the caller may see."""
    case: Case = await load_visible(session, Case, case_id, "caseId", "case")
    if case.child_id != child.id:
        raise refuse("INVALID", "caseId", "the case is about another child")


async def record_visit(session: AsyncSession, actor: Actor, new: New) -> Visit:
    """A visit to a child; the child's next visit due moves on. Idempotent by client id.

    The visit records the person (none for an integration's key) and the organization they
    acted for, which is how an NGO finds its own service visits. A case follow-up names its
    case; NGO_SERVICE visits are an NGO's, and an NGO records no other kind."""
    data, found = merge_create(VisitData, new.changes)
    if data is None or found:
        raise DomainError(found)
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
    if child.merged_into_id is not None:
        # Recorded (offline) for a file merged since: the visit is the kept file's history.
        child = await load_visible(session, Child, child.merged_into_id, "childId", "child")
        data = replace(data, child_id=child.id)
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
    values = values_of(data)
    existing = await existing_create(session, Visit, new.id, values)
    if existing is not None:
        return existing
    visit = Visit(
        id=new.id or uuid.uuid4(),
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
    await close_ended_about(session, [child.id], actor.now, (TaskKind.VISIT_OVERDUE,))
    return visit
