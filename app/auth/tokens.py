"""Access tokens: short-lived JWTs (HS256) that name the user.

An access token is checked by signature alone, with no database lookup of the token, so it
cannot be revoked; that is why it lives minutes (settings.access_token_ttl_seconds) and the
refresh token, which is revocable, carries the session.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple

import jwt

from app import clock
from app.auth.errors import TOKEN_EXPIRED, TOKEN_INVALID, AuthError
from app.settings import Settings

ALGORITHM: Final = "HS256"
ACCESS: Final = "access"  # the `typ` claim: a token minted for another use is refused here
_REQUIRED_CLAIMS: Final = ["sub", "typ", "iat", "exp", "jti"]


def issue_access_token(
    user_id: uuid.UUID,
    settings: Settings,
    *,
    now: datetime | None = None,
    ttl: int | None = None,
    family_id: uuid.UUID | None = None,
) -> tuple[str, datetime]:
    """A signed access token for `user_id` and when it expires.

    `ttl` (seconds) defaults to settings.access_token_ttl_seconds; `now` is for tests.
    `family_id` is the login's refresh-token family: once that family is revoked (logout,
    a reused refresh token), its access tokens are refused too (app/auth/identity.py).
    """
    issued = (now or clock.now()).replace(microsecond=0)  # JWT times are whole seconds
    expires = issued + timedelta(seconds=settings.access_token_ttl_seconds if ttl is None else ttl)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "typ": ACCESS,
        "iat": issued,
        "exp": expires,
        "jti": uuid.uuid4().hex,  # makes every token distinct, and lets logs name one
    }
    if family_id is not None:
        claims["fam"] = str(family_id)
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), expires


def decode_access_token(token: str, settings: Settings) -> uuid.UUID:
    """The user id inside a valid access token.

    Raises AuthError(TOKEN_EXPIRED) for a good token past its time, AuthError(TOKEN_INVALID)
    for anything else: bad signature (wrong key, tampered), wrong algorithm, missing claims.
    """
    return verify_access_token(token, settings)[0]


class AccessClaims(NamedTuple):
    """What a valid access token says: its user, its `exp`, and its login's family."""

    user_id: uuid.UUID
    expires_at: datetime
    family_id: uuid.UUID | None


def verify_access_token(token: str, settings: Settings) -> AccessClaims:
    """The user id inside a valid access token, when the token expires (its `exp`) and the
    family of the login that issued it (None for a token from before families were named).

    Raises what decode_access_token raises. A token is valid while clock.now() < exp.
    """
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            # Only HS256: never let the token pick its algorithm (e.g. "none").
            algorithms=[ALGORITHM],
            # Times are checked against the service's clock below, not the machine's.
            options={"require": _REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as exc:
        raise AuthError(TOKEN_INVALID) from exc
    if claims.get("typ") != ACCESS or not isinstance(claims["exp"], int | float):
        raise AuthError(TOKEN_INVALID)
    try:
        expires = datetime.fromtimestamp(claims["exp"], clock.zone())
    except (OverflowError, OSError, ValueError) as exc:
        raise AuthError(TOKEN_INVALID) from exc
    if expires <= clock.now():
        raise AuthError(TOKEN_EXPIRED)
    try:
        family = claims.get("fam")
        return AccessClaims(
            uuid.UUID(str(claims["sub"])), expires, None if family is None else uuid.UUID(family)
        )
    except (ValueError, TypeError, AttributeError) as exc:
        raise AuthError(TOKEN_INVALID) from exc
