"""What a password must be: long enough, not the username, not one everybody tries first.

argon2 makes each guess slow; the policy keeps the first guesses of a list from working.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.domain.validation import Problem, check_length

MIN_LENGTH = 10
# Longer input is refused before hashing: nobody types more, and hashing it costs CPU.
MAX_LENGTH = 1024
_COMMON = Path(__file__).resolve().parents[1] / "data" / "common_passwords.txt"


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(_COMMON.read_text(encoding="utf-8").split())


def _folded(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def password_problems(password: str, username: str, field: str) -> list[Problem]:
    """What is wrong with `password` for the account `username` (empty: it will do)."""
    if len(password) < MIN_LENGTH:
        return [
            Problem(
                "PASSWORD_TOO_SHORT",
                field,
                "at least {minimum} characters",
                {"minimum": MIN_LENGTH},
            )
        ]
    too_long = check_length(password, field, MAX_LENGTH)
    if too_long is not None:
        return [too_long]
    folded = _folded(password)
    if username and _folded(username) and _folded(username) in folded:
        return [
            Problem("PASSWORD_HAS_USERNAME", field, "the password must not contain the username")
        ]
    if (
        password.casefold() in _common_passwords()
        or folded in _common_passwords()
        or (len(set(folded)) <= 2)
    ):
        return [Problem("PASSWORD_TOO_COMMON", field, "the password is too common: choose another")]
    return []
