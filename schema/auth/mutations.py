"""Mutations that log in, renew a login and log out.

Refusals come back in `errors` (never as GraphQL errors, never as a 500). AuthErrors are
caught inside the transaction so that it still commits: a reused refresh token revokes its
whole family, and that must stick even though the request is refused.

Logins are throttled per account and per client address (app/auth/throttle.py): during a
back-off the answer is LOGIN_THROTTLED, with the seconds to wait, and no password is checked.
The client address is the ASGI client's host: uvicorn puts X-Forwarded-For's client there
only for a request from a trusted proxy (SHOUHU_TRUSTED_PROXIES).
"""

from __future__ import annotations

import math
import uuid

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.errors import LOGIN_THROTTLED, REFRESH_TOKEN_INVALID, AuthError
from app.auth.identity import user_label
from app.auth.login import LoginResult, login, refresh_login
from app.auth.refresh import revoke_refresh_token
from app.auth.throttle import Attempt, claim_attempt, login_succeeded
from app.observability import metrics
from app.services.audit import write_audit_event
from authz.scope import Principal
from schema.auth.types import (
    AuthPayload,
    LoginInput,
    LogoutInput,
    LogoutPayload,
    RefreshTokenInput,
)
from schema.context import Info
from schema.core.errors import UserError


def _named(label: str, user_id: uuid.UUID | None = None) -> Principal:
    """Who a login, renewal or logout is recorded as: the account it names (or proves, with
    its id), without the role, area and grants of a principal that a request resolves."""
    return Principal(label=label, role=None, area_code=None, user_id=user_id)


async def _audit(
    session: AsyncSession, info: Info, action: str, result: LoginResult | AuthError, label: str
) -> None:
    """Record a login or refresh, refused ones included, in the mutation's transaction."""
    if isinstance(result, AuthError):
        actor, outcome = _named(label), f"{action}:{result.code}"
    else:
        actor, outcome = _named(user_label(result.user.username), result.user.id), action
    await write_audit_event(
        session,
        actor,
        action=outcome,
        records=[],
        operation_name=info.operation.name.value if info.operation.name else None,
    )


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Log in with a username and password.")
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        settings, sessions = info.context.settings, info.context.service_sessions
        client = info.context.request.client
        attempt = Attempt(input.username, client.host if client else None)
        wait = await claim_attempt(sessions, attempt, settings.login_throttle, clock.now())
        retry_after = math.ceil(wait) if wait > 0 else None
        result: LoginResult | AuthError
        async with sessions() as session, session.begin():
            if retry_after is not None:
                result = AuthError(
                    LOGIN_THROTTLED,
                    "too many failed logins: try again in {seconds} s",
                    {"seconds": retry_after},
                )
            else:
                try:
                    result = await login(session, input.username, input.password, settings)
                    await login_succeeded(session, attempt)
                except AuthError as exc:
                    result = exc
            await _audit(session, info, "login", result, user_label(input.username))
        if isinstance(result, AuthError):
            metrics.LOGIN_REFUSED.labels(metrics.outcome_label(result.code)).inc()
            # No `field`: saying which of the two was wrong would confirm the username.
            return AuthPayload.failure(UserError.from_auth_error(result), retry_after)
        return AuthPayload.success(result)

    @strawberry.mutation(
        description="New tokens for a refresh token; the one given cannot be used again."
    )
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> AuthPayload:
        result: LoginResult | AuthError
        async with info.context.service_sessions() as session, session.begin():
            try:
                result = await refresh_login(session, input.refresh_token, info.context.settings)
            except AuthError as exc:
                result = exc
            await _audit(session, info, "refresh", result, "refresh-token")
        if isinstance(result, AuthError):
            return AuthPayload.failure(UserError.from_auth_error(result, "refreshToken"))
        return AuthPayload.success(result)

    @strawberry.mutation(description="End the login session a refresh token belongs to.")
    async def logout(self, info: Info, input: LogoutInput) -> LogoutPayload:
        async with info.context.service_sessions() as session, session.begin():
            revoked = await revoke_refresh_token(session, input.refresh_token)
            await write_audit_event(
                session,
                _named("refresh-token"),
                action="logout" if revoked else "logout:REFRESH_TOKEN_INVALID",
                records=[],
                operation_name=info.operation.name.value if info.operation.name else None,
            )
        if not revoked:
            error = UserError.from_auth_error(AuthError(REFRESH_TOKEN_INVALID), "refreshToken")
            return LogoutPayload(ok=False, errors=[error])
        return LogoutPayload(ok=True, errors=[])
