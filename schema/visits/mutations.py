"""Mutations on visits: record a home visit."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from app.enums import (
    Finding,
    VisitKind,
)
from app.services import visits
from app.services.common import New
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import run_mutation
from schema.core.payloads import (
    bad_id,
    changes_of,
    client_id,
    maybe,
)
from schema.visits.types import Visit

register_enums()


@strawberry.input
class RecordVisitInput:
    child_id: relay.GlobalID
    visited_at: datetime
    kind: VisitKind
    living_conditions: Finding
    guardianship: Finding
    schooling: Finding
    health: Finding
    mental_state: Finding
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the app made: retrying with it is safe."
    )
    risks_found: list[str] = strawberry.field(default_factory=list)
    notes: str | None = None
    case_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The child's protection case the visit follows up: required for "
        "CASE_FOLLOW_UP.",
    )


@strawberry.type
class VisitPayload:
    visit: Visit | None
    errors: list[UserError]


@strawberry.type
class VisitMutation:
    @strawberry.mutation(description="Record a visit; the child's next visit due moves on.")
    async def record_visit(self, info: Info, input: RecordVisitInput) -> VisitPayload:
        try:
            visit = New(client_id(input.id), changes_of(input, skip={"id"}))
        except ValueError:
            return VisitPayload(visit=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: visits.record_visit(s, actor, visit),
            lambda v: [f"Visit:{v.id}", f"Child:{v.child_id}"],
        )
        return VisitPayload(visit=maybe(outcome.result, Visit.from_model), errors=outcome.errors)
