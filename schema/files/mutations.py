"""Mutations on a child's file: register and edit households, parents and children; visits."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypeVar

import strawberry
from strawberry import relay

from app.enums import (
    ContactFrequency,
    Finding,
    Gender,
    KeyChildReason,
    LivingArrangement,
    ParentRelation,
    ParentStatus,
    SchoolStatus,
    VisitKind,
)
from app.models import Child as ChildModel
from app.models import Household as HouseholdModel
from app.models import Parent as ParentModel
from app.services import files
from app.services.common import New
from schema.children.types import Child, Parent, Visit
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import run_mutation
from schema.core.payloads import bad_id, client_id, current_as, maybe, sent, uuid_of
from schema.households.types import Household

register_enums()
R = TypeVar("R")
N = TypeVar("N")


# Inputs shared by a create and an update are patches: what an update leaves out stays as it is.
PATCH = (
    "On an update only the fields sent change: a field left out stays as it is, null clears "
    "one that may be empty (a field that cannot be empty sent as null is REQUIRED)."
)
ON_CREATE = "Required when registering (REQUIRED otherwise)."
FALSE_ON_CREATE = "False when left out of a registration."


def _required(description: str = ON_CREATE) -> Any:
    """An input field a create needs and an update may leave out: nullable in GraphQL, with
    no default, so that a field left out is UNSET and the service names it REQUIRED."""
    return strawberry.field(default=strawberry.UNSET, description=description)


@strawberry.input(description="A parent: where they are and how they keep in touch. " + PATCH)
class ParentInput:
    relation: ParentRelation | None = _required()
    name: str | None = _required()
    status: ParentStatus | None = _required()
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

    def changes(self) -> dict[str, object]:
        """The fields sent, for the service (the client id is the create's business)."""
        return sent(self, skip={"id"})


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


@strawberry.input(description="A child's file. " + PATCH)
class ChildInput:
    household_id: relay.GlobalID | None = _required(
        ON_CREATE + " An update leaves it as it is (moveChild changes it)."
    )
    name: str | None = _required()
    gender: Gender | None = _required()
    birth_date: date | None = _required()
    living_arrangement: LivingArrangement | None = _required()
    school_status: SchoolStatus | None = _required()
    id_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="Required unless noHouseholdRegistration."
    )
    no_household_registration: bool | None = _required(FALSE_ON_CREATE)
    student_number: str | None = strawberry.UNSET
    disability: bool | None = _required(FALSE_ON_CREATE)
    serious_illness: bool | None = _required(FALSE_ON_CREATE)
    safety_risk: bool | None = _required(FALSE_ON_CREATE)
    scattered_orphan: bool | None = _required(FALSE_ON_CREATE)
    recorded_key_reasons: list[KeyChildReason] | None = _required(
        "Key-child reasons staff record (none when left out of a registration)."
    )

    def changes(self) -> dict[str, object]:
        """The fields sent, for the service."""
        changes = sent(self)
        if "household_id" in changes:
            changes["household_id"] = uuid_of(self.household_id, "Household")
        return changes


@strawberry.input
class RegisterChildInput:
    child: ChildInput
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the app made: retrying with it is safe."
    )


@strawberry.input
class UpdateChildInput:
    id: relay.GlobalID
    expected_version: int
    child: ChildInput = strawberry.field(description="The fields to change. " + PATCH)


@strawberry.type
class ChildPayload:
    child: Child | None
    errors: list[UserError]
    current: Child | None = strawberry.field(
        description="On VERSION_CONFLICT: the record as it is now, to merge with."
    )


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
class FileMutation:
    @strawberry.mutation(description="Register a household in a village, with its parents.")
    async def register_household(
        self, info: Info, input: RegisterHouseholdInput
    ) -> HouseholdPayload:
        try:
            household = New(client_id(input.id), sent(input, skip={"id", "parents"}))
            parents = [New(client_id(p.id), p.changes()) for p in input.parents]
        except ValueError:
            return HouseholdPayload(household=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: files.register_household(s, actor, household, parents),
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
        changes = sent(input, skip={"id", "expected_version"})
        outcome = await run_mutation(
            info,
            lambda s, actor: files.update_household(
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
        changes = input.parent.changes()
        outcome = await run_mutation(
            info,
            lambda s, actor: files.update_parent(
                s, actor, parent_id, input.expected_version, changes
            ),
            lambda p: [f"Parent:{p.id}"],
        )
        return ParentPayload(
            parent=maybe(outcome.result, Parent.from_model),
            errors=outcome.errors,
            current=current_as(outcome.current, ParentModel, Parent.from_model),
        )

    @strawberry.mutation(description="Register a child in a household.")
    async def register_child(self, info: Info, input: RegisterChildInput) -> ChildPayload:
        try:
            child = New(client_id(input.id), input.child.changes())
        except ValueError:
            return ChildPayload(child=None, errors=bad_id("id"), current=None)
        outcome = await run_mutation(
            info,
            lambda s, actor: files.register_child(s, actor, child),
            lambda c: [f"Child:{c.id}"],
        )
        return ChildPayload(
            child=maybe(outcome.result, lambda c: Child.from_model(c, info)),
            errors=outcome.errors,
            current=current_as(outcome.current, ChildModel, lambda c: Child.from_model(c, info)),
        )

    @strawberry.mutation(description="Change a child's file: the fields sent, and only those.")
    async def update_child(self, info: Info, input: UpdateChildInput) -> ChildPayload:
        child_id = uuid_of(input.id, "Child") or uuid.UUID(int=0)
        changes = input.child.changes()
        outcome = await run_mutation(
            info,
            lambda s, actor: files.update_child(
                s, actor, child_id, input.expected_version, changes
            ),
            lambda c: [f"Child:{c.id}"],
        )
        return ChildPayload(
            child=maybe(outcome.result, lambda c: Child.from_model(c, info)),
            errors=outcome.errors,
            current=current_as(outcome.current, ChildModel, lambda c: Child.from_model(c, info)),
        )

    @strawberry.mutation(description="Record a visit; the child's next visit due moves on.")
    async def record_visit(self, info: Info, input: RecordVisitInput) -> VisitPayload:
        try:
            data = files.VisitData(
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
            lambda s, actor: files.record_visit(s, actor, data),
            lambda v: [f"Visit:{v.id}", f"Child:{v.child_id}"],
        )
        return VisitPayload(visit=maybe(outcome.result, Visit.from_model), errors=outcome.errors)
