"""The one exception of authentication, with a stable code for clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from app.i18n import Language, describe, translate

INVALID_CREDENTIALS: Final = "INVALID_CREDENTIALS"
ACCOUNT_INACTIVE: Final = "ACCOUNT_INACTIVE"
TOKEN_EXPIRED: Final = "TOKEN_EXPIRED"
TOKEN_INVALID: Final = "TOKEN_INVALID"
REFRESH_TOKEN_INVALID: Final = "REFRESH_TOKEN_INVALID"
REFRESH_TOKEN_REUSED: Final = "REFRESH_TOKEN_REUSED"
API_KEY_INVALID: Final = "API_KEY_INVALID"
DUPLICATE_CREDENTIALS: Final = "DUPLICATE_CREDENTIALS"
LOGIN_THROTTLED: Final = "LOGIN_THROTTLED"


class AuthError(Exception):
    """Authentication failed. `code` is for programs, `message` for people: the code's own
    text (app/messages.py CODES) unless a more specific template (and its params) is given.

    Messages never say more than the code does (e.g. never whether a username exists).
    """

    def __init__(
        self, code: str, template: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        self.code = code
        self.template = template
        self.params = params
        super().__init__(self.render("en"))

    @property
    def message(self) -> str:
        """The message in the request's language."""
        return self.render()

    def render(self, language: Language | None = None) -> str:
        """The message in `language` (default: the request's)."""
        if self.template is None:
            return describe(self.code, language)
        return translate(self.template, self.params, language)

    def __repr__(self) -> str:
        return f"AuthError({self.code!r})"
