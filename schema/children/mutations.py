"""Mutations on a child's file: register, edit, move to another village, archive."""

from __future__ import annotations

import uuid
from datetime import date

import strawberry
from strawberry import relay

from app.enums import (
    ArchiveReason,
    Gender,
    KeyChildReason,
    LivingArrangement,
    SchoolStatus,
)
from app.models import Child as ChildModel
from app.services import children
from app.services.common import New
from schema.children.types import Child
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import Outcome, run_mutation
from schema.core.payloads import (
    FALSE_ON_CREATE,
    ON_CREATE,
    PATCH,
    bad_id,
    changes_of,
    client_id,
    current_as,
    id_type,
    maybe,
    required_on_create,
    uuid_of,
)

register_enums()


@strawberry.input(description="A child's file. " + PATCH)
class ChildInput:
    household_id: relay.GlobalID | None = required_on_create(
        ON_CREATE + " An update leaves it as it is (moveChild changes it)."
    )
    name: str | None = required_on_create()
    gender: Gender | None = required_on_create()
    birth_date: date | None = required_on_create()
    living_arrangement: LivingArrangement | None = required_on_create()
    school_status: SchoolStatus | None = required_on_create()
    id_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="Required unless noHouseholdRegistration."
    )
    no_household_registration: bool | None = required_on_create(FALSE_ON_CREATE)
    student_number: str | None = strawberry.UNSET
    school_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The school the child attends (an organization of kind SCHOOL, its "
        "organizationId): with studentNumber, it matches the school's absence records.",
    )
    disability: bool | None = required_on_create(FALSE_ON_CREATE)
    serious_illness: bool | None = required_on_create(FALSE_ON_CREATE)
    safety_risk: bool | None = required_on_create(FALSE_ON_CREATE)
    scattered_orphan: bool | None = required_on_create(FALSE_ON_CREATE)
    recorded_key_reasons: list[KeyChildReason] | None = required_on_create(
        "Key-child reasons staff record (none when left out of a registration)."
    )
    missing_since: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="The child is missing (走失) since this day: under 16, reported to the "
        "police at once. Null when found.",
    )
    teacher_in_charge_name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The teacher who looks after the pupil (教师联系帮扶), at most 50 "
        "characters. The pupil's school may update this and teacherInChargePhone, nothing else.",
    )
    teacher_in_charge_phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="The teacher in charge's phone (with a name)."
    )


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


def _child_changes(input: ChildInput) -> dict[str, object] | None:
    """The fields sent, the school's id as a UUID; None when that is not a UUID."""
    changes = changes_of(input)
    school = changes.get("school_id")
    if school is not None:
        try:
            changes["school_id"] = uuid.UUID(str(school))
        except ValueError:
            return None
    return changes


def _child_payload(info: Info, outcome: Outcome[ChildModel]) -> ChildPayload:
    return ChildPayload(
        child=maybe(outcome.result, lambda c: Child.from_model(c, info)),
        errors=outcome.errors,
        current=current_as(outcome.current, ChildModel, lambda c: Child.from_model(c, info)),
    )


@strawberry.type
class ChildMutation:
    @strawberry.mutation(description="Register a child in a household.")
    async def register_child(self, info: Info, input: RegisterChildInput) -> ChildPayload:
        changes = _child_changes(input.child)
        if changes is None:
            return ChildPayload(child=None, errors=bad_id("schoolId"), current=None)
        try:
            child = New(client_id(input.id), changes)
        except ValueError:
            return ChildPayload(child=None, errors=bad_id("id"), current=None)
        outcome = await run_mutation(
            info,
            lambda s, actor: children.register_child(s, actor, child),
            lambda c: [f"Child:{c.id}"],
        )
        return _child_payload(info, outcome)

    @strawberry.mutation(description="Change a child's file: the fields sent, and only those.")
    async def update_child(self, info: Info, input: UpdateChildInput) -> ChildPayload:
        child_id = uuid_of(input.id, "Child") or uuid.UUID(int=0)
        changes = _child_changes(input.child)
        if changes is None:
            return ChildPayload(child=None, errors=bad_id("schoolId"), current=None)
        outcome = await run_mutation(
            info,
            lambda s, actor: children.update_child(
                s, actor, child_id, input.expected_version, changes
            ),
            lambda c: [f"Child:{c.id}"],
        )
        return _child_payload(info, outcome)


@strawberry.input
class MoveChildInput:
    id: relay.GlobalID = strawberry.field(description="The child.")
    expected_version: int
    to_area_code: str = strawberry.field(description="The village (12 digits) it moves to.")
    to_household_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="A household of that village the child joins; required when a sibling "
        "stays behind, otherwise the child's household (and its parents) moves along.",
    )


@strawberry.input
class ArchiveChildInput:
    id: relay.GlobalID = strawberry.field(description="The child.")
    expected_version: int
    reason: ArchiveReason


@strawberry.type
class MoveMutation:
    @strawberry.mutation(
        description="Move a child's file to another village, with its guardianships, visits "
        "and cases; needs write access to child files in both villages."
    )
    async def move_child(self, info: Info, input: MoveChildInput) -> ChildPayload:
        target = uuid_of(input.id, "Child") or uuid.UUID(int=0)
        household = uuid_of(input.to_household_id, id_type("to_household_id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: children.move_child(
                s, actor, target, input.expected_version, input.to_area_code, household
            ),
            lambda c: [f"Child:{c.id}"],
        )
        return _child_payload(info, outcome)

    @strawberry.mutation(description="Archive a child's file (kept, not deleted).")
    async def archive_child(self, info: Info, input: ArchiveChildInput) -> ChildPayload:
        target = uuid_of(input.id, "Child") or uuid.UUID(int=0)
        outcome = await run_mutation(
            info,
            lambda s, actor: children.archive_child(
                s, actor, target, input.expected_version, input.reason
            ),
            lambda c: [f"Child:{c.id}"],
        )
        return _child_payload(info, outcome)
