"""Refresh tokens: opaque, stored as a hash, rotated on every use, revocable by family.

A login starts a family. Each refresh revokes the presented token (recording its successor)
and issues a new one in the same family. A token presented after it was rotated or revoked
means two parties hold it (a thief and the user), so the whole family is revoked: both must
log in again, and only the user can.

Functions write through the caller's session and never commit. When they raise after
writing (reuse revokes the family), the caller must still commit, i.e. catch AuthError
inside the transaction, or the revocation is rolled back with the error.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.errors import REFRESH_TOKEN_INVALID, REFRESH_TOKEN_REUSED, AuthError
from app.models import RefreshToken
from app.settings import Settings


def hash_token(token: str) -> str:
    """The stored form of a refresh token: SHA-256, hex (the token itself is 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_refresh_token(
    session: AsyncSession,
    user_id: uuid.UUID,
    settings: Settings,
    family_id: uuid.UUID | None = None,
) -> str:
    """A new refresh token for `user_id`, in `family_id` or (a login) a new family."""
    token, _ = await _issue(session, user_id, settings, family_id or uuid.uuid4())
    return token


class Rotated(NamedTuple):
    """A refresh token's successor: its user, the new token, and their family."""

    user_id: uuid.UUID
    token: str
    family_id: uuid.UUID


async def rotate_refresh_token(session: AsyncSession, token: str, settings: Settings) -> Rotated:
    """Use `token`: revoke it and return its user and a new token of the same family.

    Raises AuthError(REFRESH_TOKEN_INVALID) for an unknown or expired token and
    AuthError(REFRESH_TOKEN_REUSED) for one already rotated or revoked, after revoking its
    whole family in `session` (see the module docstring: commit despite the error).
    """
    now = clock.now()
    row = await _locked(session, token)
    if row is None:
        raise AuthError(REFRESH_TOKEN_INVALID)
    if row.revoked_at is not None:
        # Checked before expiry: an old stolen token replayed late is still theft.
        await _revoke_family(session, row.family_id, now)
        raise AuthError(REFRESH_TOKEN_REUSED)
    if row.expires_at <= now:
        raise AuthError(REFRESH_TOKEN_INVALID)
    new_token, successor = await _issue(session, row.user_id, settings, row.family_id, now=now)
    row.revoked_at = now
    row.replaced_by_id = successor.id
    await session.flush()
    return Rotated(row.user_id, new_token, row.family_id)


async def revoke_refresh_token(session: AsyncSession, token: str) -> bool:
    """Log out: revoke the family of `token`. False when the token is unknown."""
    row = await _locked(session, token)
    if row is None:
        return False
    await _revoke_family(session, row.family_id, clock.now())
    return True


async def family_alive(session: AsyncSession, family_id: uuid.UUID) -> bool:
    """Whether the login of `family_id` goes on: a token of it is not revoked (logging out
    and reusing a token revoke them all; a rotation leaves the successor)."""
    alive = await session.scalar(
        select(RefreshToken.id)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .limit(1)
    )
    return alive is not None


async def _locked(session: AsyncSession, token: str) -> RefreshToken | None:
    """The token's row, locked until the transaction ends.

    FOR UPDATE serialises concurrent uses of one token: the second waits for the first to
    commit, then sees the token revoked and is treated as a reuse, so at most one succeeds.
    populate_existing: a row already in the session is refreshed with what was locked.
    """
    return await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == hash_token(token))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _issue(
    session: AsyncSession,
    user_id: uuid.UUID,
    settings: Settings,
    family_id: uuid.UUID,
    *,
    now: datetime | None = None,
) -> tuple[str, RefreshToken]:
    issued = now or clock.now()
    token = secrets.token_urlsafe(32)
    row = RefreshToken(
        id=uuid.uuid4(),
        user_id=user_id,
        family_id=family_id,
        token_hash=hash_token(token),
        issued_at=issued,
        # Sliding: each rotation gets the full lifetime, so an app in use stays logged in.
        expires_at=issued + timedelta(days=settings.refresh_token_ttl_days),
    )
    session.add(row)
    await session.flush()
    return token, row


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )


async def revoke_user_logins(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    """End every login of an account (it left, or its password was reset); returns how many
    were going on. Each ended login's notice drops its access tokens everywhere."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(RefreshToken.family_id)
        .execution_options(synchronize_session=False)
    )
    return len(set(result.scalars()))
