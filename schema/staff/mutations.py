"""Managing the staff register: registering people, changing their entries, recording
their trainings, granting and revoking roles, their leaving, resetting their passwords; and
a person changing their own password."""

from __future__ import annotations

import math
import uuid
from datetime import date

import strawberry
from strawberry import relay

from app import clock
from app.auth.errors import LOGIN_THROTTLED
from app.auth.throttle import Attempt, claim_attempt
from app.domain.validation import Problem
from app.enums import Role, TrainingResult
from app.models import User
from app.services import staff as staff_service
from app.services.staff import Credentialed, Deactivated, Granted
from schema.context import Info
from schema.core.errors import UserError
from schema.core.mutations import run_mutation
from schema.core.payloads import (
    InvalidClientId,
    bad_id,
    changes_of,
    client_id,
    current_as,
    maybe,
    uuid_of,
)
from schema.staff.types import Staff


@strawberry.input
class CreateStaffInput:
    id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A UUID made by the client, so that a retry registers the person once.",
    )
    username: str = strawberry.field(description="3 to 64 letters, digits, . - or _.")
    display_name: str = strawberry.field(description="The person's real name (实名).")
    role: Role
    area_code: str = strawberry.field(
        description="Where the person serves: a village for a director, a township for a "
        "supervisor, a county, city or province for its civil-affairs staff."
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="The UUID of the body the person works for."
    )
    phone: str | None = None
    appointed_on: date | None = None


@strawberry.input(description="Only the fields sent change.")
class UpdateStaffInput:
    staff_id: relay.GlobalID
    expected_version: int
    display_name: str | None = strawberry.UNSET
    role: Role | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new post (a director made a supervisor): one you manage, at its level "
        "of area (send the new areaCode with it).",
    )
    area_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="A move to another area at the role's level."
    )
    organization_id: strawberry.ID | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    appointed_on: date | None = strawberry.UNSET


@strawberry.input
class StaffInput:
    staff_id: relay.GlobalID


@strawberry.input
class DeactivateStaffInput:
    staff_id: relay.GlobalID
    left_on: date | None = strawberry.field(default=None, description="Default: today.")


@strawberry.input
class RecordTrainingInput:
    staff_id: relay.GlobalID
    trained_on: date
    course: str
    result: TrainingResult


@strawberry.input
class RoleGrantInput:
    staff_id: relay.GlobalID
    role: Role
    area_code: str


@strawberry.input
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The current or one-time password.")
    new_password: str = strawberry.field(
        description="At least 10 characters, without the username, not a common password."
    )


@strawberry.type
class StaffPayload:
    staff: Staff | None
    errors: list[UserError]
    current: Staff | None = strawberry.field(
        default=None, description="With VERSION_CONFLICT: the entry as it is now."
    )


@strawberry.type
class CredentialPayload:
    staff: Staff | None
    one_time_password: str | None = strawberry.field(
        description="The password to hand to the person, who must change it at first login: "
        "shown in this answer only (null on a retry: reset it then)."
    )
    errors: list[UserError]


@strawberry.type
class DeactivateStaffPayload:
    staff: Staff | None
    ended_logins: int = strawberry.field(description="Logins ended (each device's session).")
    revoked_api_keys: int
    revoked_grants: int
    errors: list[UserError]


@strawberry.type
class ChangePasswordPayload:
    ok: bool
    errors: list[UserError]


def _records(person: User) -> list[str]:
    return [f"Staff:{person.id}"]


def _target(value: relay.GlobalID) -> uuid.UUID:
    return uuid_of(value, "Staff") or uuid.UUID(int=0)


def _credential_payload(
    outcome_result: Credentialed | None, errors: list[UserError]
) -> CredentialPayload:
    return CredentialPayload(
        staff=None if outcome_result is None else Staff.from_model(outcome_result.staff),
        one_time_password=None if outcome_result is None else outcome_result.one_time_password,
        errors=errors,
    )


@strawberry.type
class StaffMutation:
    @strawberry.mutation(
        description="Register a person (a new director, say) with an account and a one-time "
        "password. Directors and supervisors may write once a passed training is recorded."
    )
    async def create_staff(self, info: Info, input: CreateStaffInput) -> CredentialPayload:
        try:
            record_id = client_id(input.id)
            organization_id = client_id(input.organization_id)
        except InvalidClientId:
            field = "id" if input.organization_id is None else "organizationId"
            return _credential_payload(None, bad_id(field))
        changes = {**changes_of(input, skip=("id",)), "organization_id": organization_id}
        outcome = await run_mutation(
            info,
            lambda s, actor: staff_service.create_staff(s, actor, record_id, changes),
            lambda made: _records(made.staff),
        )
        return _credential_payload(outcome.result, outcome.errors)

    @strawberry.mutation(description="Change a person's entry: only the fields sent.")
    async def update_staff(self, info: Info, input: UpdateStaffInput) -> StaffPayload:
        changes = changes_of(input, skip=("staff_id", "expected_version"))
        if changes.get("organization_id") is not None:
            try:
                changes["organization_id"] = client_id(input.organization_id)
            except InvalidClientId:
                return StaffPayload(staff=None, errors=bad_id("organizationId"))
        outcome = await run_mutation(
            info,
            lambda s, actor: staff_service.update_staff(
                s, actor, _target(input.staff_id), input.expected_version, changes
            ),
            _records,
        )
        return StaffPayload(
            staff=maybe(outcome.result, Staff.from_model),
            errors=outcome.errors,
            current=current_as(outcome.current, User, Staff.from_model),
        )

    @strawberry.mutation(
        description="A person left the post: the account is disabled and every login, "
        "personal API key and granted role ends at once; the entry and their records stay."
    )
    async def deactivate_staff(
        self, info: Info, input: DeactivateStaffInput
    ) -> DeactivateStaffPayload:
        outcome = await run_mutation(
            info,
            lambda s, actor: staff_service.deactivate_staff(
                s, actor, _target(input.staff_id), input.left_on
            ),
            lambda gone: _records(gone.staff),
        )
        gone: Deactivated | None = outcome.result
        return DeactivateStaffPayload(
            staff=None if gone is None else Staff.from_model(gone.staff),
            ended_logins=0 if gone is None else gone.ended_logins,
            revoked_api_keys=0 if gone is None else gone.revoked_keys,
            revoked_grants=0 if gone is None else gone.revoked_grants,
            errors=outcome.errors,
        )

    @strawberry.mutation(
        description="A new one-time password for a person who forgot theirs: their logins "
        "end, and they must change it at the next one."
    )
    async def reset_password(self, info: Info, input: StaffInput) -> CredentialPayload:
        outcome = await run_mutation(
            info,
            lambda s, actor: staff_service.reset_password(s, actor, _target(input.staff_id)),
            lambda reset: _records(reset.staff),
        )
        return _credential_payload(outcome.result, outcome.errors)

    @strawberry.mutation(description="Put a training on a person's record.")
    async def record_training(self, info: Info, input: RecordTrainingInput) -> StaffPayload:
        outcome = await run_mutation(
            info,
            lambda s, actor: staff_service.record_training(
                s, actor, _target(input.staff_id), input.trained_on, input.course, input.result
            ),
            _records,
        )
        return StaffPayload(staff=maybe(outcome.result, Staff.from_model), errors=outcome.errors)

    @strawberry.mutation(
        description="Let a person also act in a role below yours in an area of yours (a "
        "director covering a neighbouring village)."
    )
    async def grant_role(self, info: Info, input: RoleGrantInput) -> StaffPayload:
        return await _role_change(info, input, staff_service.grant_role)

    @strawberry.mutation(description="Take back a role granted with grantRole.")
    async def revoke_role(self, info: Info, input: RoleGrantInput) -> StaffPayload:
        return await _role_change(info, input, staff_service.revoke_role)

    @strawberry.mutation(
        description="Change your own password (after a reset, the only thing you may do)."
    )
    async def change_password(
        self, info: Info, input: ChangePasswordInput
    ) -> ChangePasswordPayload:
        context = info.context
        client = context.request.client
        principal = context.scope.principal
        attempt = Attempt(principal.username or principal.label, client.host if client else None)
        wait = await claim_attempt(
            context.service_sessions, attempt, context.settings.login_throttle, clock.now()
        )
        if wait > 0:
            throttled = Problem(
                LOGIN_THROTTLED, "currentPassword",
                "too many failed logins: try again in {seconds} s", {"seconds": math.ceil(wait)},
            )  # fmt: skip
            return ChangePasswordPayload(ok=False, errors=[UserError.from_problem(throttled)])
        outcome = await run_mutation(
            info,
            lambda s, actor: staff_service.change_password(
                s, actor, input.current_password, input.new_password, attempt
            ),
            _records,
            needs_training=False,
        )
        if outcome.result is not None:
            # The app's next request may reach this process before the database's notice
            # of the change does (app/web/invalidation.py): forget the account here at once.
            info.context.request.app.state.identities.forget_user(outcome.result.id)
        return ChangePasswordPayload(ok=outcome.result is not None, errors=outcome.errors)


async def _role_change(
    info: Info, input: RoleGrantInput, change: staff_service.RoleChange
) -> StaffPayload:
    outcome = await run_mutation(
        info,
        lambda s, actor: change(s, actor, _target(input.staff_id), input.role, input.area_code),
        lambda granted: _records(granted.staff),
    )
    granted: Granted | None = outcome.result
    return StaffPayload(
        staff=None if granted is None else Staff.from_model(granted.staff), errors=outcome.errors
    )
