"""Area patterns as Casbin's keyMatch reads them: `420702*` (a prefix) or `420702` (exact)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from casbin.util.builtin_operators import key_match

_VALID = re.compile(r"^\d{0,12}\*?$")


class InvalidPattern(ValueError):
    """A domain in a policy or grant that is not an area pattern."""


@dataclass(frozen=True, order=True)
class AreaPattern:
    """The areas a grant or a rule covers: every code starting with `value`, or exactly it."""

    value: str
    exact: bool

    @classmethod
    def parse(cls, text: str) -> AreaPattern:
        """`*` (everywhere), `42*` (a prefix) or `420702100201` (one area)."""
        if not _VALID.match(text) or text == "":
            raise InvalidPattern(f"not an area pattern: {text!r}")
        if text.endswith("*"):
            return cls(text[:-1], exact=False)
        return cls(text, exact=True)

    def casbin(self) -> str:
        """The pattern as written in a policy."""
        return self.value if self.exact else f"{self.value}*"

    def like(self) -> str:
        """The pattern as a SQL LIKE pattern (values are digits only: nothing to escape)."""
        return self.value if self.exact else f"{self.value}%"

    def covers(self, area_code: str) -> bool:
        """Whether `area_code` is inside the pattern (exactly keyMatch)."""
        return bool(key_match(area_code, self.casbin()))

    def intersect(self, other: AreaPattern) -> AreaPattern | None:
        """The areas both patterns cover, or None when they are disjoint."""
        if self.exact and other.exact:
            return self if self.value == other.value else None
        if self.exact:
            return self if self.value.startswith(other.value) else None
        if other.exact:
            return other if other.value.startswith(self.value) else None
        if self.value.startswith(other.value):
            return self
        if other.value.startswith(self.value):
            return other
        return None
