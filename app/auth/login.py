"""Logging in with a password, and renewing the login with a refresh token."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.errors import ACCOUNT_INACTIVE, INVALID_CREDENTIALS, AuthError
from app.auth.refresh import issue_refresh_token, revoke_refresh_token, rotate_refresh_token
from app.auth.tokens import issue_access_token
from app.models import User
from app.passwords import hash_password, verify_password
from app.settings import Settings

# Longer input is refused before hashing: nobody types more, and hashing it costs CPU.
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class LoginResult:
    """A logged-in user with a fresh access token and refresh token."""

    user: User
    access_token: str
    access_expires_at: datetime
    refresh_token: str


@cache
def _dummy_hash() -> str:
    """A hash with the real parameters, verified when there is no user, to take as long."""
    return hash_password(secrets.token_urlsafe(16))


async def _password_matches(password_hash: str | None, password: str) -> bool:
    # argon2 is deliberately slow (tens of ms of CPU): off the event loop, so one login does
    # not stall every other request of the worker.
    if password_hash is None or len(password) > MAX_PASSWORD_LENGTH:
        await asyncio.to_thread(verify_password, _dummy_hash(), "")
        return False
    return await asyncio.to_thread(verify_password, password_hash, password)


async def login(
    session: AsyncSession, username: str, password: str, settings: Settings
) -> LoginResult:
    """Check a username and password and start a session (a new refresh-token family).

    An unknown user, a user without a password and a wrong password all raise the same
    AuthError(INVALID_CREDENTIALS) after the same argon2 work, so neither the answer nor its
    timing tells whether the username exists. A disabled account raises
    AuthError(ACCOUNT_INACTIVE), but only after a correct password.
    """
    user = await session.scalar(
        select(User).where(User.username == username, User.deleted_at.is_(None))
    )
    if user is None:
        await _password_matches(None, password)
        raise AuthError(INVALID_CREDENTIALS)
    if not await _password_matches(user.password_hash, password):
        raise AuthError(INVALID_CREDENTIALS)
    if not user.is_active:
        raise AuthError(ACCOUNT_INACTIVE)
    family = uuid.uuid4()
    refresh_token = await issue_refresh_token(session, user.id, settings, family)
    return _result(user, settings, refresh_token, family)


async def refresh_login(
    session: AsyncSession, refresh_token: str, settings: Settings
) -> LoginResult:
    """Exchange a refresh token for a new access token and a new refresh token.

    Raises what rotate_refresh_token raises, and AuthError(ACCOUNT_INACTIVE) when the user
    was disabled (or removed) since logging in; that also ends the session. As with
    rotation, commit even when this raises, so that revocations stick.
    """
    rotated = await rotate_refresh_token(session, refresh_token, settings)
    user = await session.get(User, rotated.user_id)
    if user is None or not user.is_active or user.deleted_at is not None:
        await revoke_refresh_token(session, rotated.token)
        raise AuthError(ACCOUNT_INACTIVE)
    return _result(user, settings, rotated.token, rotated.family_id)


def _result(
    user: User, settings: Settings, refresh_token: str, family_id: uuid.UUID
) -> LoginResult:
    access, expires = issue_access_token(user.id, settings, family_id=family_id)
    return LoginResult(user, access, expires, refresh_token)
