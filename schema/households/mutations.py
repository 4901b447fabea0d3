"""Mutations on households: register and edit a household and its parents."""

from __future__ import annotations

import uuid
from datetime import date

import strawberry
from strawberry import relay

from app.enums import (
    ContactFrequency,
    ParentRelation,
    ParentStatus,
)
from app.models import Household as HouseholdModel
from app.models import Parent as ParentModel
from app.services import households
from app.services.common import New
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import run_mutation
from schema.core.payloads import (
    PATCH,
    bad_id,
    changes_of,
    client_id,
    current_as,
    maybe,
    required_on_create,
    uuid_of,
)
from schema.households.types import Household, Parent

register_enums()


@strawberry.input(description="A parent: where they are and how they keep in touch. " + PATCH)
class ParentInput:
    relation: ParentRelation | None = required_on_create()
    name: str | None = required_on_create()
    status: ParentStatus | None = required_on_create()
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the app made (offline creates; updates ignore it)."
    )
    id_number: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    work_place: str | None = strawberry.UNSET
    work_province_code: str | None = strawberry.UNSET
    away_since: date | None = strawberry.UNSET
    contact_frequency: ContactFrequency | None = strawberry.UNSET
    last_contact_on: date | None = strawberry.UNSET
    home_at_holidays: bool | None = strawberry.UNSET


@strawberry.input
class RegisterHouseholdInput:
    area_code: str = strawberry.field(description="The village (12 digits).")
    address: str
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the app made: retrying with it is safe."
    )
    phone: str | None = None
    minimum_allowance: bool = False
    extreme_poverty: bool = False
    registered_poverty: bool = False
    parents: list[ParentInput] = strawberry.field(default_factory=list)


@strawberry.type
class HouseholdPayload:
    household: Household | None
    errors: list[UserError]


@strawberry.input(description="A household's changes. " + PATCH)
class UpdateHouseholdInput:
    id: relay.GlobalID
    expected_version: int
    area_code: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The village, unchanged (moveChild moves a family to another village).",
    )
    address: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    minimum_allowance: bool | None = strawberry.UNSET
    extreme_poverty: bool | None = strawberry.UNSET
    registered_poverty: bool | None = strawberry.UNSET


@strawberry.type
class UpdateHouseholdPayload:
    household: Household | None
    errors: list[UserError]
    current: Household | None = strawberry.field(
        description="On VERSION_CONFLICT: the record as it is now, to merge with."
    )


@strawberry.input
class UpdateParentInput:
    id: relay.GlobalID
    expected_version: int
    parent: ParentInput = strawberry.field(description="The fields to change. " + PATCH)


@strawberry.type
class ParentPayload:
    parent: Parent | None
    errors: list[UserError]
    current: Parent | None = strawberry.field(
        description="On VERSION_CONFLICT: the record as it is now, to merge with."
    )


@strawberry.type
class HouseholdMutation:
    @strawberry.mutation(description="Register a household in a village, with its parents.")
    async def register_household(
        self, info: Info, input: RegisterHouseholdInput
    ) -> HouseholdPayload:
        try:
            household = New(client_id(input.id), changes_of(input, skip={"id", "parents"}))
            parents = [New(client_id(p.id), changes_of(p, skip={"id"})) for p in input.parents]
        except ValueError:
            return HouseholdPayload(household=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: households.register_household(s, actor, household, parents),
            lambda h: [f"Household:{h.id}"],
        )
        return HouseholdPayload(
            household=maybe(outcome.result, Household.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        description="Change a household's address and poverty flags, those sent and only those "
        "(re-derives the children)."
    )
    async def update_household(
        self, info: Info, input: UpdateHouseholdInput
    ) -> UpdateHouseholdPayload:
        household_id = uuid_of(input.id, "Household") or uuid.UUID(int=0)
        changes = changes_of(input, skip={"id", "expected_version"})
        outcome = await run_mutation(
            info,
            lambda s, actor: households.update_household(
                s, actor, household_id, input.expected_version, changes
            ),
            lambda h: [f"Household:{h.id}"],
        )
        return UpdateHouseholdPayload(
            household=maybe(outcome.result, Household.from_model),
            errors=outcome.errors,
            current=current_as(outcome.current, HouseholdModel, Household.from_model),
        )

    @strawberry.mutation(
        description="Change a parent's record, the fields sent and only those; a new status "
        "re-derives the children's categories (e.g. left-behind when a parent leaves to work)."
    )
    async def update_parent(self, info: Info, input: UpdateParentInput) -> ParentPayload:
        parent_id = uuid_of(input.id, "Parent") or uuid.UUID(int=0)
        try:
            client_id(input.parent.id)  # ignored by an update, but never anything but a UUID
        except ValueError:
            return ParentPayload(parent=None, errors=bad_id("parent.id"), current=None)
        changes = changes_of(input.parent, skip={"id"})
        outcome = await run_mutation(
            info,
            lambda s, actor: households.update_parent(
                s, actor, parent_id, input.expected_version, changes
            ),
            lambda p: [f"Parent:{p.id}"],
        )
        return ParentPayload(
            parent=maybe(outcome.result, Parent.from_model),
            errors=outcome.errors,
            current=current_as(outcome.current, ParentModel, Parent.from_model),
        )
