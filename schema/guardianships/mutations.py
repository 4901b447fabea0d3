"""Mutations on entrusted guardianship (委托监护)."""

from __future__ import annotations

import uuid
from datetime import date

import strawberry
from strawberry import relay

from app.enums import GuardianCapacity, GuardianRelation
from app.models import Guardianship as GuardianshipModel
from app.services import guardianships
from app.services.common import New
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import Outcome, run_mutation
from schema.core.payloads import bad_id, changes_of, client_id, current_as, maybe, uuid_of
from schema.guardianships.types import Guardianship

register_enums()


@strawberry.input(description="Entrust a child to a guardian while the parents are away.")
class EntrustGuardianInput:
    child_id: relay.GlobalID
    guardian_name: str
    relation: GuardianRelation
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the app made: retrying with it is safe."
    )
    phone: str | None = None
    id_number: str | None = None
    starts_on: date | None = strawberry.field(
        default=None, description="Default: today; not in the future."
    )
    agreement_signed: bool = False
    corrects_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The child's active guardianship, recorded today by mistake: the new one "
        "replaces it as if it had never been entered (the one before ends when the new one "
        "starts). After the day of recording, end a wrong guardianship instead.",
    )


@strawberry.input
class AssessGuardianInput:
    id: relay.GlobalID = strawberry.field(description="The guardianship.")
    expected_version: int
    capacity: GuardianCapacity


@strawberry.input
class ConfirmGuardianshipInput:
    id: relay.GlobalID = strawberry.field(description="The guardianship.")
    expected_version: int
    agreement_signed: bool = strawberry.field(
        description="The entrustment agreement is signed: required to confirm."
    )


@strawberry.input
class EndGuardianshipInput:
    id: relay.GlobalID = strawberry.field(description="The guardianship.")
    expected_version: int
    ends_on: date | None = strawberry.field(
        default=None, description="The last day; default: today."
    )


@strawberry.type
class GuardianshipPayload:
    guardianship: Guardianship | None
    errors: list[UserError]
    current: Guardianship | None = strawberry.field(
        default=None, description="On VERSION_CONFLICT: the record as it is now, to merge with."
    )


def _guardianship_payload(outcome: Outcome[GuardianshipModel]) -> GuardianshipPayload:
    return GuardianshipPayload(
        guardianship=maybe(outcome.result, Guardianship.from_model),
        errors=outcome.errors,
        current=current_as(outcome.current, GuardianshipModel, Guardianship.from_model),
    )


def _records(g: GuardianshipModel) -> list[str]:
    return [f"Guardianship:{g.id}", f"Child:{g.child_id}"]


def _guardianship_id(value: relay.GlobalID) -> uuid.UUID:
    return uuid_of(value, "Guardianship") or uuid.UUID(int=0)


@strawberry.type
class GuardianMutation:
    @strawberry.mutation(
        description="Entrust the child to a new guardian; the active guardianship ends the "
        "day the new one starts."
    )
    async def entrust_guardian(
        self, info: Info, input: EntrustGuardianInput
    ) -> GuardianshipPayload:
        try:
            guardianship = New(client_id(input.id), changes_of(input, skip={"id"}))
        except ValueError:
            return GuardianshipPayload(guardianship=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info, lambda s, actor: guardianships.entrust_guardian(s, actor, guardianship), _records
        )
        return _guardianship_payload(outcome)

    @strawberry.mutation(description="Record the assessment of the guardian's capacity.")
    async def assess_guardian(self, info: Info, input: AssessGuardianInput) -> GuardianshipPayload:
        target = _guardianship_id(input.id)
        outcome = await run_mutation(
            info,
            lambda s, actor: guardianships.assess_guardian(
                s, actor, target, input.expected_version, input.capacity
            ),
            _records,
        )
        return _guardianship_payload(outcome)

    @strawberry.mutation(
        description="The village confirms the entrustment (the signed agreement is required)."
    )
    async def confirm_guardianship(
        self, info: Info, input: ConfirmGuardianshipInput
    ) -> GuardianshipPayload:
        target = _guardianship_id(input.id)
        outcome = await run_mutation(
            info,
            lambda s, actor: guardianships.confirm_guardianship(
                s, actor, target, input.expected_version, input.agreement_signed
            ),
            _records,
        )
        return _guardianship_payload(outcome)

    @strawberry.mutation(description="End an entrustment; its history is kept.")
    async def end_guardianship(
        self, info: Info, input: EndGuardianshipInput
    ) -> GuardianshipPayload:
        target = _guardianship_id(input.id)
        outcome = await run_mutation(
            info,
            lambda s, actor: guardianships.end_guardianship(
                s, actor, target, input.expected_version, input.ends_on
            ),
            _records,
        )
        return _guardianship_payload(outcome)
