"""Writes of visits to a child."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
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
from app.enums import Finding, VisitKind
from app.errors import raise_problems, refuse
from app.models import Case, Child, Visit
from app.services.common import Actor, existing_create, load_visible
from app.services.derivation import refresh_children
from authz.guard import require


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
    case_id: uuid.UUID | None = None


async def _check_visited_case(session: AsyncSession, child: Child, case_id: uuid.UUID) -> None:
    """The case a visit follows up is one about this child, that the caller may see."""
    case: Case = await load_visible(session, Case, case_id, "caseId", "case")
    if case.child_id != child.id:
        raise refuse("INVALID", "caseId", "the case is about another child")


async def record_visit(session: AsyncSession, actor: Actor, data: VisitData) -> Visit:
    """A visit to a child; the child's next visit due moves on. Idempotent by client id.

    The visit records the person (none for an integration's key) and the organization they
    acted for, which is how an NGO finds its own service visits. A case follow-up names its
    case; NGO_SERVICE visits are an NGO's, and an NGO records no other kind."""
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
        "case_id": data.case_id,
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
