"""Who a request comes from: a user (bearer access token), an API key, or nobody."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.apikeys import authenticate_api_key
from app.auth.errors import ACCOUNT_INACTIVE, DUPLICATE_CREDENTIALS, TOKEN_INVALID, AuthError
from app.auth.refresh import family_alive
from app.auth.tokens import verify_access_token
from app.domain.staff import needs_training
from app.enums import Role
from app.models import User
from app.settings import Settings

AUTHORIZATION = "authorization"
API_KEY_HEADER = "x-api-key"
# How the headers are named in messages.
_HEADER_NAMES: Final = {AUTHORIZATION: "Authorization", API_KEY_HEADER: "X-API-Key"}


@dataclass(frozen=True)
class Identity:
    """The caller, as authorization sees it: a role held in an area (and an organization).

    `label` names the caller in logs and the audit trail without a secret in it.
    """

    kind: Literal["user", "api_key"]
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    username: str | None
    role: Role
    area_code: str
    organization_id: uuid.UUID | None
    label: str
    # False for a director or supervisor with no passed training on record (seed 002): they
    # may read, not write.
    trained: bool = True
    # After a password reset: nothing but changing the one-time password is allowed.
    must_change_password: bool = False


@dataclass(frozen=True)
class Credentials:
    """A request's credential headers, each sent at most once (None: not sent)."""

    authorization: str | None
    api_key: str | None


def credential_headers(headers: Iterable[tuple[str, str]]) -> Credentials:
    """The Authorization and X-API-Key headers among `headers` (names in any case).

    Either sent twice or more, even with the same value, raises
    AuthError(DUPLICATE_CREDENTIALS): a proxy, the rate limiter and authentication could each
    take another one of them (a junk key first and a real one second once escaped the limit).
    """
    found: dict[str, list[str]] = {AUTHORIZATION: [], API_KEY_HEADER: []}
    for name, value in headers:
        values = found.get(name.lower())
        if values is not None:
            values.append(value)
    for name, values in found.items():
        if len(values) > 1:
            raise AuthError(
                DUPLICATE_CREDENTIALS,
                "send one {header} header, not {count}",
                {"header": _HEADER_NAMES[name], "count": len(values)},
            )
    authorization, api_key = found[AUTHORIZATION], found[API_KEY_HEADER]
    return Credentials(
        authorization=authorization[0] if authorization else None,
        api_key=api_key[0] if api_key else None,
    )


@dataclass(frozen=True)
class Authenticated:
    """An identity proven by credentials, and until when: a bearer token's `exp` (None for an
    API key, which holds until it is revoked)."""

    identity: Identity
    expires_at: datetime | None
    # A bearer token's login (refresh-token family), whose revocation refuses the token.
    family_id: uuid.UUID | None = None


async def authenticate(
    headers: Mapping[str, str], session: AsyncSession, settings: Settings
) -> Identity | None:
    """The identity the request's headers prove, or None when they carry no credentials.

    `headers` may be starlette's Headers, whose items() include repeated headers. Raises
    what credential_headers and authenticate_credentials raise.
    """
    found = await authenticate_credentials(credential_headers(headers.items()), session, settings)
    return None if found is None else found.identity


async def authenticate_credentials(
    credentials: Credentials, session: AsyncSession, settings: Settings
) -> Authenticated | None:
    """The identity `credentials` prove, or None when there are none.

    `Authorization: Bearer <access token>` is a user, who must exist and be active;
    `X-API-Key: <key>` is an integration. Credentials that are present but bad raise
    AuthError, never fall back to anonymous; both headers at once raise
    AuthError(TOKEN_INVALID), since the caller would be ambiguous. An API key's last_used_at
    is written in `session`.
    """
    authorization, api_key = credentials.authorization, credentials.api_key
    if authorization is not None and api_key is not None:
        raise AuthError(TOKEN_INVALID, "send either a bearer token or an API key, not both")
    if authorization is not None:
        return await _user_identity(authorization, session, settings)
    if api_key is not None:
        key = await authenticate_api_key(session, api_key)
        identity = Identity(
            kind="api_key",
            user_id=None,
            api_key_id=key.id,
            username=None,
            role=key.role,
            area_code=key.area_code,
            organization_id=key.organization_id,
            label=f"apikey:{key.prefix}",
        )
        return Authenticated(identity, expires_at=None)
    return None


async def _user_identity(
    authorization: str, session: AsyncSession, settings: Settings
) -> Authenticated:
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(TOKEN_INVALID, "the Authorization header must read: Bearer <token>")
    claims = verify_access_token(token.strip(), settings)
    user = await session.get(User, claims.user_id)
    # A good signature is not enough: the user may have been removed since it was issued,
    # or have logged out.
    if user is None or user.deleted_at is not None:
        raise AuthError(TOKEN_INVALID)
    if not user.is_active:
        raise AuthError(ACCOUNT_INACTIVE)
    if claims.family_id is not None and not await family_alive(session, claims.family_id):
        raise AuthError(TOKEN_INVALID, "the session has ended: log in again")
    return Authenticated(user_identity(user), claims.expires_at, claims.family_id)


def user_label(username: str) -> str:
    """How an account is named in logs, the audit trail and the policy's grants
    (`g, user:wang.fang, village_director, 420702100202*`)."""
    return f"user:{username}"


def user_identity(user: User) -> Identity:
    """What an account proves: its role, area and organization (a token's holder, or the
    user a command acts as)."""
    return Identity(
        kind="user",
        user_id=user.id,
        api_key_id=None,
        username=user.username,
        role=user.role,
        area_code=user.area_code,
        organization_id=user.organization_id,
        label=user_label(user.username),
        trained=not needs_training(user.role, user.trained_on),
        must_change_password=user.must_change_password,
    )
