"""GraphQL types of authentication: inputs, payloads, the viewer and user errors."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from app.auth.login import LoginResult
from app.domain.staff import needs_training, refresher_due
from app.enums import Role
from app.models import User
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.nodes import from_row

register_enums()


@strawberry.type(description="The logged-in user.")
class Viewer:
    id: strawberry.ID = strawberry.field(description="The user's UUID (not a global node id).")
    username: str
    display_name: str
    role: Role
    area_code: str
    must_change_password: bool = strawberry.field(
        description="True after a password reset: call changePassword before anything else."
    )
    may_write: bool = strawberry.field(
        description="False for a director or supervisor with no passed training on record: "
        "reading works, writes are refused with TRAINING_REQUIRED until the county records "
        "one."
    )
    refresher_due_on: date | None = strawberry.field(
        description="When the yearly refresher training falls due (directors, supervisors)."
    )

    @classmethod
    def from_model(cls, user: User) -> Viewer:
        """The GraphQL view of a user row."""
        return from_row(
            cls,
            user,
            id=strawberry.ID(str(user.id)),
            may_write=not needs_training(user.role, user.trained_on),
            refresher_due_on=refresher_due(user.role, user.trained_on),
        )


@strawberry.input
class LoginInput:
    username: str
    password: str


@strawberry.input
class RefreshTokenInput:
    refresh_token: str


@strawberry.input
class LogoutInput:
    refresh_token: str


@strawberry.type(description="Tokens of a login; all null when `errors` is not empty.")
class AuthPayload:
    access_token: str | None = strawberry.field(
        description="Send as `Authorization: Bearer <token>`; valid for minutes."
    )
    access_token_expires_at: datetime | None
    refresh_token: str | None = strawberry.field(
        description="Exchange with refreshToken for new tokens; each is good for one use."
    )
    user: Viewer | None
    errors: list[UserError]
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="With LOGIN_THROTTLED: the seconds to wait before logging in again.",
    )

    @classmethod
    def success(cls, result: LoginResult) -> AuthPayload:
        """The payload of a login or refresh that worked."""
        return cls(
            access_token=result.access_token,
            access_token_expires_at=result.access_expires_at,
            refresh_token=result.refresh_token,
            user=Viewer.from_model(result.user),
            errors=[],
        )

    @classmethod
    def failure(cls, error: UserError, retry_after_seconds: int | None = None) -> AuthPayload:
        """The payload of a login or refresh that was refused."""
        return cls(
            access_token=None,
            access_token_expires_at=None,
            refresh_token=None,
            user=None,
            errors=[error],
            retry_after_seconds=retry_after_seconds,
        )


@strawberry.type
class LogoutPayload:
    ok: bool = strawberry.field(description="Whether the session was found and ended.")
    errors: list[UserError]
