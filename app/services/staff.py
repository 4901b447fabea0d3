"""The staff register's writes: registering people, their changes, trainings and extra roles,
their leaving, and their passwords (seed 002's real-name management).

Who may do each is `authz.guard.require_manager`: a role below the caller's own, in an area
the policy lets the caller manage it in (counties their directors and supervisors, cities
their counties' staff, administrators the rest). A person's own password change is theirs.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.apikeys import revoke_user_keys
from app.auth.identity import user_label
from app.auth.refresh import revoke_user_logins
from app.auth.throttle import Attempt, login_succeeded
from app.domain.password_policy import password_problems
from app.domain.staff import area_level_problem
from app.domain.validation import (
    Problem,
    check_day_not_future,
    check_length,
    check_phone,
    check_required,
    problems,
)
from app.enums import Role, TrainingResult
from app.errors import DomainError, check_version, not_found, raise_problems, refuse
from app.models import Area, Organization, StaffTraining, User
from app.models.staff import COURSE_MAX
from app.passwords import hash_password, verify_password
from app.services.common import (
    Actor,
    Changes,
    existing_create,
    merge_create,
    merge_update,
    values_of,
    write_changes,
)
from app.services.daily import close_training_task
from authz.guard import require_manager
from authz.predicates import staff_visible

USERNAME_MIN, USERNAME_MAX = 3, 64
NAME_MAX = 100
PHONE_MAX = 32
# A one-time password: read out or sent by SMS, so without look-alikes (0/O, 1/l/I).
_OTP_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_OTP_GROUPS, _OTP_GROUP_LENGTH = 3, 4


@dataclass(frozen=True)
class StaffData:
    """A person as their manager registers them."""

    username: str
    display_name: str
    role: Role
    area_code: str
    organization_id: uuid.UUID | None = None
    phone: str | None = None
    appointed_on: date | None = None


@dataclass(frozen=True)
class StaffEdit:
    """What a manager may change of a person (a director made the township's supervisor, one
    moved to another village); the username stays."""

    display_name: str
    role: Role
    area_code: str
    organization_id: uuid.UUID | None
    phone: str | None
    appointed_on: date | None


@dataclass(frozen=True)
class Credentialed:
    """A person and the one-time password just set for them (shown in this answer only;
    None on a retry of a registration already made)."""

    staff: User
    one_time_password: str | None


@dataclass(frozen=True)
class Deactivated:
    """A person who left, and the credentials their leaving ended."""

    staff: User
    ended_logins: int
    revoked_keys: int
    revoked_grants: int


@dataclass(frozen=True)
class Granted:
    """A person after a role was granted or revoked."""

    staff: User
    role: Role
    area_code: str


def new_one_time_password() -> str:
    """A random password to read out (`abcd-efgh-jkmn`), ~60 bits."""
    return "-".join(
        "".join(secrets.choice(_OTP_ALPHABET) for _ in range(_OTP_GROUP_LENGTH))
        for _ in range(_OTP_GROUPS)
    )


async def _hash(password: str) -> str:
    # argon2 takes tens of ms of CPU: off the event loop.
    return await asyncio.to_thread(hash_password, password)


def _username_problem(username: str) -> Problem | None:
    name = username.strip()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX or not all(
        ch.isascii() and (ch.isalnum() or ch in "._-") for ch in name
    ):
        return Problem(
            "INVALID_USERNAME",
            "username",
            "{minimum} to {maximum} letters, digits, dots, dashes or underscores",
            {"minimum": USERNAME_MIN, "maximum": USERNAME_MAX},
        )
    return None


async def _place_problems(
    session: AsyncSession,
    role: Role,
    area_code: str,
    organization_id: uuid.UUID | None,
) -> list[Problem]:
    """The area is on file at the role's level; the organization, if any, serves it."""
    area = await session.get(Area, area_code)
    if area is None:
        return [Problem("INVALID_AREA", "areaCode", "not an area on file")]
    found = problems(area_level_problem(role, area.level, "areaCode"))
    if organization_id is not None:
        org = await session.get(Organization, organization_id)
        if (
            org is None
            or org.deleted_at is not None
            or not (area_code.startswith(org.area_code) or org.area_code.startswith(area_code))
        ):
            found.append(
                Problem(
                    "INVALID_ORGANIZATION",
                    "organizationId",
                    "no organization serving this area has this id",
                )
            )
    return found


def _person_problems(display_name: str, phone: str | None) -> list[Problem]:
    return problems(
        check_required(display_name, "displayName"),
        check_length(display_name, "displayName", NAME_MAX),
        check_length(phone, "phone", PHONE_MAX),
        check_phone(phone, "phone"),
    )


async def create_staff(
    session: AsyncSession, actor: Actor, record_id: uuid.UUID | None, changes: Changes
) -> Credentialed:
    """Register a person and open their account with a one-time password they must change
    at first login. A retry with the same id and content returns the person, without a
    password (reset it if the first answer was lost)."""
    data, found = merge_create(StaffData, changes)
    if data is None:
        raise DomainError(found)
    require_manager(actor.scope, data.role, data.area_code)
    existing = await existing_create(session, User, record_id, _identity_of(data))
    if existing is not None:
        return Credentialed(existing, None)
    await _check_new(session, data, found)
    return await _register(session, data, record_id)


async def add_staff(session: AsyncSession, changes: Changes) -> Credentialed:
    """The same registration by the operator of the database (`shouhu staff add`), who
    needs no permission: a deployment's first administrator."""
    data, found = merge_create(StaffData, changes)
    if data is None:
        raise DomainError(found)
    await _check_new(session, data, found)
    return await _register(session, data, None)


def _identity_of(data: StaffData) -> dict[str, object]:
    """What a retried registration must repeat to be the same one."""
    return {
        "username": data.username.strip(),
        "display_name": data.display_name.strip(),
        "role": data.role,
        "area_code": data.area_code,
    }


async def _check_new(session: AsyncSession, data: StaffData, found: list[Problem]) -> None:
    """Every problem of a new person's entry at once, then a username nobody has."""
    raise_problems(
        found
        + problems(_username_problem(data.username))
        + _person_problems(data.display_name, data.phone)
        + await _place_problems(session, data.role, data.area_code, data.organization_id)
    )
    taken = await session.scalar(select(User.id).where(User.username == data.username.strip()))
    if taken is not None:
        raise refuse("USERNAME_TAKEN", "username", "the username is taken")


async def _register(
    session: AsyncSession, data: StaffData, record_id: uuid.UUID | None
) -> Credentialed:
    password = new_one_time_password()
    person = User(
        id=record_id or uuid.uuid4(),
        **_identity_of(data),
        organization_id=data.organization_id,
        phone=data.phone.strip() if data.phone else None,
        appointed_on=data.appointed_on,
        password_hash=await _hash(password),
        must_change_password=True,
    )
    session.add(person)
    await session.flush()
    await session.refresh(person)
    return Credentialed(person, password)


async def _visible(session: AsyncSession, actor: Actor, staff_id: uuid.UUID) -> User:
    """A person of the register the caller may read (NOT_FOUND), locked for the write."""
    person = await session.scalar(
        select(User)
        .where(User.id == staff_id, staff_visible(actor.scope), User.deleted_at.is_(None))
        .with_for_update()
    )
    if person is None:
        raise not_found("staffId", "staff")
    return person


async def _managed(session: AsyncSession, actor: Actor, staff_id: uuid.UUID) -> User:
    """A person the caller may read and manage (NOT_FOUND, FORBIDDEN), locked for the write."""
    person = await _visible(session, actor, staff_id)
    require_manager(
        actor.scope, person.role, person.area_code, role_field="staffId", area_field="staffId"
    )
    return person


async def update_staff(
    session: AsyncSession,
    actor: Actor,
    staff_id: uuid.UUID,
    expected_version: int,
    changes: Changes,
) -> User:
    """Change what was sent of a person's entry, and only that. A new role or area must be
    one the caller manages too: the person is the caller's before and after."""
    person = await _managed(session, actor, staff_id)
    check_version(person, expected_version)
    edit, found = merge_update(StaffEdit, User, person, changes)
    if (edit.role, edit.area_code) != (person.role, person.area_code):
        require_manager(actor.scope, edit.role, edit.area_code)
    raise_problems(
        found
        + _person_problems(edit.display_name, edit.phone)
        + await _place_problems(session, edit.role, edit.area_code, edit.organization_id)
        + problems(_left_before_appointed(edit.appointed_on, person.left_on))
    )
    values = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in values_of(edit).items()
    }
    write_changes(person, values, changes)
    await session.flush()
    await session.refresh(person)
    return person


def _left_before_appointed(appointed_on: date | None, left_on: date | None) -> Problem | None:
    if appointed_on is not None and left_on is not None and left_on < appointed_on:
        return Problem(
            "INVALID_DATE", "leftOn", "the day they left is before the day they were appointed"
        )
    return None


async def _revoke_grants(
    session: AsyncSession, username: str, role: Role | None = None, area_code: str | None = None
) -> int:
    """Remove a person's grants (of `role` in `area_code`, or all): through the database's
    function, the service writing no policy rule itself (migration 0034)."""
    removed = await session.scalar(
        select(
            func.shouhu_revoke_grants(
                user_label(username),
                None if role is None else role.value,
                None if area_code is None else _domain(area_code),
            )
        )
    )
    return int(removed or 0)


def _domain(area_code: str) -> str:
    return f"{area_code}*"


async def deactivate_staff(
    session: AsyncSession, actor: Actor, staff_id: uuid.UUID, left_on: date | None
) -> Deactivated:
    """A person left: their account is disabled and every credential ends in this
    transaction (logins, personal API keys, extra roles); their entry and what they
    recorded stay. A retry for someone already gone changes nothing."""
    person = await _managed(session, actor, staff_id)
    if not person.is_active:
        return Deactivated(person, 0, 0, 0)
    day = left_on or actor.today
    raise_problems(
        problems(
            check_day_not_future(day, "leftOn", actor.today),
            _left_before_appointed(person.appointed_on, day),
        )
    )
    person.is_active = False
    person.left_on = day
    ended = await revoke_user_logins(session, person.id, actor.now)
    keys = await revoke_user_keys(session, person.id, actor.now)
    grants = await _revoke_grants(session, person.username)
    await close_training_task(session, person.id, actor.now)
    await session.refresh(person)
    return Deactivated(person, ended, keys, grants)


async def reset_password(session: AsyncSession, actor: Actor, staff_id: uuid.UUID) -> Credentialed:
    """A new one-time password for a person who forgot theirs; their logins end, and the
    password must be changed at the next one."""
    person = await _managed(session, actor, staff_id)
    if not person.is_active:
        raise refuse("ACCOUNT_INACTIVE", "staffId", "the person has already left")
    password = new_one_time_password()
    person.password_hash = await _hash(password)
    person.must_change_password = True
    await revoke_user_logins(session, person.id, actor.now)
    await session.flush()
    await session.refresh(person)
    return Credentialed(person, password)


async def record_training(
    session: AsyncSession,
    actor: Actor,
    staff_id: uuid.UUID,
    trained_on: date,
    course: str,
    result: TrainingResult,
) -> User:
    """Put a training on a person's record; a passed one lets a new director write, and
    settles their trainer's training task about them at once."""
    person = await _managed(session, actor, staff_id)
    raise_problems(
        problems(
            check_day_not_future(trained_on, "trainedOn", actor.today),
            check_required(course, "course"),
            check_length(course, "course", COURSE_MAX),
        )
    )
    session.add(
        StaffTraining(
            id=uuid.uuid4(),
            user_id=person.id,
            trained_on=trained_on,
            course=course.strip(),
            result=result,
            recorded_by_id=actor.user_id,
        )
    )
    await close_training_task(session, person.id, actor.now)
    await session.refresh(person)
    return person


RoleChange = Callable[[AsyncSession, Actor, uuid.UUID, Role, str], Awaitable[Granted]]
"""grant_role or revoke_role."""


async def _grant_target(
    session: AsyncSession, actor: Actor, staff_id: uuid.UUID, role: Role, area_code: str
) -> User:
    """The person a role is granted to or taken from: one the caller may read, active; the
    role one the caller manages in the area, at the role's level of area."""
    person = await _visible(session, actor, staff_id)
    require_manager(actor.scope, role, area_code)
    raise_problems(await _place_problems(session, role, area_code, None))
    if not person.is_active:
        raise refuse("ACCOUNT_INACTIVE", "staffId", "the person has already left")
    return person


async def grant_role(
    session: AsyncSession, actor: Actor, staff_id: uuid.UUID, role: Role, area_code: str
) -> Granted:
    """Let a person also act as `role` in `area_code` (a director covering a neighbouring
    village): a policy grant, taken back by revoke_role or their leaving."""
    person = await _grant_target(session, actor, staff_id, role, area_code)
    own = person.role is role and person.area_code == area_code
    if own or not await session.scalar(
        select(func.shouhu_grant_role(user_label(person.username), role.value, _domain(area_code)))
    ):
        raise refuse("ALREADY_GRANTED", "role", "the person already holds this role here")
    return Granted(person, role, area_code)


async def revoke_role(
    session: AsyncSession, actor: Actor, staff_id: uuid.UUID, role: Role, area_code: str
) -> Granted:
    """Take back a role granted by grant_role (a person's own role and area are changed by
    updateStaff or ended by deactivateStaff)."""
    person = await _grant_target(session, actor, staff_id, role, area_code)
    if not await _revoke_grants(session, person.username, role, area_code):
        raise refuse("NOT_GRANTED", "role", "the person does not hold this role here")
    return Granted(person, role, area_code)


async def change_password(
    session: AsyncSession, actor: Actor, current: str, new: str, attempt: Attempt
) -> User:
    """The caller's own new password, after the current (or one-time) one; clears the duty
    to change it. `attempt` was counted as a failed login (app/auth/throttle.py) until the
    current password proves right: guessing it here is throttled as logging in is."""
    user_id = actor.user_id
    person = None if user_id is None else await session.get(User, user_id, with_for_update=True)
    if person is None or person.password_hash is None:
        raise refuse("FORBIDDEN", "currentPassword", "the current password is not right")
    if not await asyncio.to_thread(verify_password, person.password_hash, current):
        raise refuse("INVALID_CREDENTIALS", "currentPassword", "the current password is not right")
    found = password_problems(new, person.username, "newPassword")
    if not found and new == current:
        found = [
            Problem(
                "PASSWORD_UNCHANGED",
                "newPassword",
                "the new password must differ from the current one",
            )
        ]
    if found:
        # The current password was right: no guess to count, though the change is refused.
        raise DomainError(found, after=lambda s: login_succeeded(s, attempt))
    await login_succeeded(session, attempt)
    person.password_hash = await _hash(new)
    person.must_change_password = False
    await session.flush()
    await session.refresh(person)
    return person
