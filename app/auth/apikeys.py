"""API keys for partner systems: schools, police stations, NGOs and protection centres.

A key reads `shk_<prefix>_<secret>`: `shk_` says what it is (and lets secret scanners spot a
leaked one), the 12-character prefix finds the row and may be shown (lists, logs), the
43-character secret (256 random bits) is checked against its stored SHA-256 only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import uuid
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.errors import API_KEY_INVALID, AuthError
from app.enums import OrganizationKind, Role
from app.models import ApiKey, Organization

KEY_MARKER: Final = "shk_"
PREFIX_LENGTH: Final = 12
SECRET_LENGTH: Final = 43  # secrets.token_urlsafe(32)
KEY_LENGTH: Final = len(KEY_MARKER) + PREFIX_LENGTH + 1 + SECRET_LENGTH
MAX_NAME_LENGTH: Final = 100
# Letters and digits only, so the prefix never contains the `_` separator (the secret may:
# keys are split by position, not by `_`).
_PREFIX_ALPHABET: Final = string.ascii_letters + string.digits
# last_used_at is written at most this often per key, not on every request.
_LAST_USED_RESOLUTION: Final = timedelta(minutes=1)
# Compared against when the prefix is unknown, so that case does the same work.
_NO_KEY_HASH: Final = "0" * 64

# Organizations whose systems integrate with ours, and the role their keys act with.
# Government bodies and village committees use staff accounts, not keys.
INTEGRATION_ROLES: Final = {
    OrganizationKind.SCHOOL: Role.SCHOOL,
    OrganizationKind.NGO: Role.NGO,
    OrganizationKind.POLICE_STATION: Role.POLICE,
    OrganizationKind.PROTECTION_CENTRE: Role.PROTECTION_CENTRE,
}


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(plaintext: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    if (
        len(plaintext) != KEY_LENGTH
        or not plaintext.startswith(KEY_MARKER)
        or plaintext[len(KEY_MARKER) + PREFIX_LENGTH] != "_"
    ):
        return None
    prefix = plaintext[len(KEY_MARKER) : len(KEY_MARKER) + PREFIX_LENGTH]
    return prefix, plaintext[-SECRET_LENGTH:]


def key_prefix(plaintext: str) -> str | None:
    """The public part of a well-formed key, as authenticate_api_key reads it; else None.

    The rate limiter counts requests by it: the same string that finds the key's row."""
    parts = _split(plaintext.strip())
    return None if parts is None else parts[0]


async def create_api_key(
    session: AsyncSession,
    organization: Organization,
    name: str,
    user_id: uuid.UUID | None = None,
) -> tuple[ApiKey, str]:
    """A new key for `organization` and its plaintext, which is never available again.

    The key's role follows the organization's kind and its area is the organization's;
    `user_id` is the person it is issued to, whose leaving revokes it.
    Raises ValueError for an organization that is not an integration partner (see
    INTEGRATION_ROLES), a deleted one, or a name that is empty or too long.
    """
    role = INTEGRATION_ROLES.get(organization.kind)
    if role is None:
        kinds = ", ".join(sorted(kind.value for kind in INTEGRATION_ROLES))
        raise ValueError(
            f"API keys are for integrations ({kinds}); {organization.name} is a "
            f"{organization.kind.value}: its staff log in with their own accounts"
        )
    if organization.deleted_at is not None:
        raise ValueError(f"{organization.name} is deleted")
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"the key's name must be 1 to {MAX_NAME_LENGTH} characters")
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        id=uuid.uuid4(),
        organization_id=organization.id,
        user_id=user_id,
        name=name,
        prefix=prefix,
        key_hash=_hash_secret(secret),
        role=role,
        area_code=organization.area_code,
    )
    session.add(key)
    await session.flush()
    return key, f"{KEY_MARKER}{prefix}_{secret}"


async def authenticate_api_key(session: AsyncSession, plaintext: str) -> ApiKey:
    """The live key `plaintext` is, with last_used_at brought up to date (commit to keep it).

    Raises AuthError(API_KEY_INVALID) for a malformed, unknown, wrong or revoked key, or one
    whose organization was deleted; the caller cannot tell which.
    """
    parts = _split(plaintext.strip())
    if parts is None:
        raise AuthError(API_KEY_INVALID)
    prefix, secret = parts
    key = await session.scalar(
        select(ApiKey)
        .join(Organization, Organization.id == ApiKey.organization_id)
        .where(ApiKey.prefix == prefix, Organization.deleted_at.is_(None))
    )
    # compare_digest takes the same time wherever the hashes differ: no byte-by-byte oracle.
    matches = hmac.compare_digest(key.key_hash if key else _NO_KEY_HASH, _hash_secret(secret))
    if key is None or not matches or key.revoked_at is not None:
        raise AuthError(API_KEY_INVALID)
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at >= _LAST_USED_RESOLUTION:
        key.last_used_at = now
        await session.flush()
    return key


async def revoke_api_key(session: AsyncSession, key_id: uuid.UUID) -> bool:
    """Revoke a key for good. False when there is no such key or it was already revoked."""
    key = await session.get(ApiKey, key_id, with_for_update=True)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = key.updated_at = clock.now()
    await session.flush()
    return True


async def list_api_keys(
    session: AsyncSession, organization_id: uuid.UUID | None = None
) -> list[tuple[ApiKey, Organization]]:
    """Keys (of one organization, or all) with their organizations, oldest first."""
    query = select(ApiKey, Organization).join(
        Organization, Organization.id == ApiKey.organization_id
    )
    if organization_id is not None:
        query = query.where(ApiKey.organization_id == organization_id)
    rows = await session.execute(query.order_by(ApiKey.created_at, ApiKey.prefix))
    return [(key, org) for key, org in rows.tuples()]


async def revoke_user_keys(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    """Revoke every live key issued to a person (they left); returns how many."""
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
