"""Mutations on visits: record a home visit."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry import relay

from app.enums import (
    Finding,
    VisitKind,
)
from app.services import visits
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import run_mutation
from schema.core.payloads import (
    bad_id,
    client_id,
    maybe,
    uuid_of,
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
            data = visits.VisitData(
                id=client_id(input.id),
                child_id=uuid_of(input.child_id, "Child") or uuid.UUID(int=0),
                visited_at=input.visited_at, kind=input.kind,
                living_conditions=input.living_conditions, guardianship=input.guardianship,
                schooling=input.schooling, health=input.health,
                mental_state=input.mental_state, risks_found=list(input.risks_found),
                notes=input.notes, case_id=uuid_of(input.case_id, "Case"),
            )  # fmt: skip
        except ValueError:
            return VisitPayload(visit=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: visits.record_visit(s, actor, data),
            lambda v: [f"Visit:{v.id}", f"Child:{v.child_id}"],
        )
        return VisitPayload(visit=maybe(outcome.result, Visit.from_model), errors=outcome.errors)
