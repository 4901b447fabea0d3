"""Mutations on a child's file: register and edit households, parents and children; visits."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TypeVar

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
from schema.children.types import Child, Parent, Visit
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import run_mutation
from schema.core.payloads import bad_id, client_id, current_as, maybe, uuid_of
from schema.households.types import Household

register_enums()
R = TypeVar("R")
N = TypeVar("N")


@strawberry.input(description="A parent: where they are and how they keep in touch.")
class ParentInput:
    relation: ParentRelation
    name: str
    status: ParentStatus
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the app made (offline creates)."
    )
    id_number: str | None = None
    phone: str | None = None
    work_place: str | None = None
    work_province_code: str | None = None
    away_since: date | None = None
    contact_frequency: ContactFrequency | None = None
    last_contact_on: date | None = None
    home_at_holidays: bool | None = None

    def data(self) -> files.ParentData:
        """The service's view of this input."""
        return files.ParentData(
            id=client_id(self.id),
            relation=self.relation, name=self.name, status=self.status,
            id_number=self.id_number, phone=self.phone, work_place=self.work_place,
            work_province_code=self.work_province_code, away_since=self.away_since,
            contact_frequency=self.contact_frequency, last_contact_on=self.last_contact_on,
            home_at_holidays=self.home_at_holidays,
        )  # fmt: skip


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


@strawberry.input
class UpdateHouseholdInput:
    id: relay.GlobalID
    expected_version: int
    area_code: str
    address: str
    phone: str | None = None
    minimum_allowance: bool = False
    extreme_poverty: bool = False
    registered_poverty: bool = False


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
    parent: ParentInput


@strawberry.type
class ParentPayload:
    parent: Parent | None
    errors: list[UserError]
    current: Parent | None = strawberry.field(
        description="On VERSION_CONFLICT: the record as it is now, to merge with."
    )


@strawberry.input
class ChildInput:
    household_id: relay.GlobalID
    name: str
    gender: Gender
    birth_date: date
    living_arrangement: LivingArrangement
    school_status: SchoolStatus
    id_number: str | None = None
    no_household_registration: bool = False
    student_number: str | None = None
    disability: bool = False
    serious_illness: bool = False
    safety_risk: bool = False
    scattered_orphan: bool = False
    recorded_key_reasons: list[KeyChildReason] = strawberry.field(default_factory=list)

    def data(self, child_id: uuid.UUID | None = None) -> files.ChildData:
        """The service's view of this input."""
        return files.ChildData(
            id=child_id, household_id=uuid_of(self.household_id, "Household") or uuid.UUID(int=0),
            name=self.name, gender=self.gender, birth_date=self.birth_date,
            living_arrangement=self.living_arrangement, school_status=self.school_status,
            id_number=self.id_number, no_household_registration=self.no_household_registration,
            student_number=self.student_number, disability=self.disability,
            serious_illness=self.serious_illness, safety_risk=self.safety_risk,
            scattered_orphan=self.scattered_orphan,
            recorded_key_reasons=list(self.recorded_key_reasons),
        )  # fmt: skip


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
    child: ChildInput


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
            data = files.HouseholdData(
                id=client_id(input.id), area_code=input.area_code, address=input.address,
                phone=input.phone, minimum_allowance=input.minimum_allowance,
                extreme_poverty=input.extreme_poverty,
                registered_poverty=input.registered_poverty,
                parents=[p.data() for p in input.parents],
            )  # fmt: skip
        except ValueError:
            return HouseholdPayload(household=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: files.register_household(s, actor, data),
            lambda h: [f"Household:{h.id}"],
        )
        return HouseholdPayload(
            household=maybe(outcome.result, Household.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        description="Change a household's address and poverty flags (re-derives the children)."
    )
    async def update_household(
        self, info: Info, input: UpdateHouseholdInput
    ) -> UpdateHouseholdPayload:
        household_id = uuid_of(input.id, "Household") or uuid.UUID(int=0)
        data = files.HouseholdData(
            area_code=input.area_code, address=input.address, phone=input.phone,
            minimum_allowance=input.minimum_allowance, extreme_poverty=input.extreme_poverty,
            registered_poverty=input.registered_poverty,
        )  # fmt: skip
        outcome = await run_mutation(
            info,
            lambda s, actor: files.update_household(
                s, actor, household_id, input.expected_version, data
            ),
            lambda h: [f"Household:{h.id}"],
        )
        return UpdateHouseholdPayload(
            household=maybe(outcome.result, Household.from_model),
            errors=outcome.errors,
            current=current_as(outcome.current, HouseholdModel, Household.from_model),
        )

    @strawberry.mutation(
        description="Change a parent's record; a new status re-derives the children's "
        "categories (e.g. left-behind when a parent leaves to work)."
    )
    async def update_parent(self, info: Info, input: UpdateParentInput) -> ParentPayload:
        parent_id = uuid_of(input.id, "Parent") or uuid.UUID(int=0)
        data = input.parent.data()
        outcome = await run_mutation(
            info,
            lambda s, actor: files.update_parent(s, actor, parent_id, input.expected_version, data),
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
            data = input.child.data(client_id(input.id))
        except ValueError:
            return ChildPayload(child=None, errors=bad_id("id"), current=None)
        outcome = await run_mutation(
            info,
            lambda s, actor: files.register_child(s, actor, data),
            lambda c: [f"Child:{c.id}"],
        )
        return ChildPayload(
            child=maybe(outcome.result, lambda c: Child.from_model(c, info)),
            errors=outcome.errors,
            current=current_as(outcome.current, ChildModel, lambda c: Child.from_model(c, info)),
        )

    @strawberry.mutation(description="Change a child's file.")
    async def update_child(self, info: Info, input: UpdateChildInput) -> ChildPayload:
        child_id = uuid_of(input.id, "Child") or uuid.UUID(int=0)
        data = input.child.data(child_id)
        outcome = await run_mutation(
            info,
            lambda s, actor: files.update_child(s, actor, child_id, input.expected_version, data),
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
                notes=input.notes,
            )  # fmt: skip
        except ValueError:
            return VisitPayload(visit=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: files.record_visit(s, actor, data),
            lambda v: [f"Visit:{v.id}", f"Child:{v.child_id}"],
        )
        return VisitPayload(visit=maybe(outcome.result, Visit.from_model), errors=outcome.errors)
