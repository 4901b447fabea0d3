"""The one exception of authentication, with a stable code for clients."""

from __future__ import annotations

from typing import Final

INVALID_CREDENTIALS: Final = "INVALID_CREDENTIALS"
ACCOUNT_INACTIVE: Final = "ACCOUNT_INACTIVE"
TOKEN_EXPIRED: Final = "TOKEN_EXPIRED"
TOKEN_INVALID: Final = "TOKEN_INVALID"
REFRESH_TOKEN_INVALID: Final = "REFRESH_TOKEN_INVALID"
REFRESH_TOKEN_REUSED: Final = "REFRESH_TOKEN_REUSED"
API_KEY_INVALID: Final = "API_KEY_INVALID"

_MESSAGES: Final = {
    INVALID_CREDENTIALS: "wrong username or password",
    ACCOUNT_INACTIVE: "this account is disabled",
    TOKEN_EXPIRED: "the access token has expired; refresh it or log in again",
    TOKEN_INVALID: "the access token is not valid",
    REFRESH_TOKEN_INVALID: "the refresh token is unknown or expired; log in again",
    REFRESH_TOKEN_REUSED: "the refresh token was already used; the session is ended, log in again",
    API_KEY_INVALID: "the API key is not valid or was revoked",
}


class AuthError(Exception):
    """Authentication failed. `code` is for programs, `message` for people.

    Messages never say more than the code does (e.g. never whether a username exists).
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or _MESSAGES.get(code, code)
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"AuthError({self.code!r})"
