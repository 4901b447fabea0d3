"""Who may read the statistics of an area, from which level, and with small counts hidden."""

from __future__ import annotations

from dataclasses import dataclass

from app.areas import CODE_LENGTH
from app.enums import Role
from authz.scope import Scope

# Roles that see their own area's statistics unsuppressed: they hold the files anyway.
UNSUPPRESSED_ROLES = frozenset({Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_SUPERVISOR})
LENGTHS = sorted(CODE_LENGTH.values())


@dataclass(frozen=True)
class StatisticsAccess:
    """A caller's reading of one area: the chain of areas from the caller's own level down
    to it (`chain[0]` at the caller's level, `chain[-1]` the area), and whether small counts
    are hidden."""

    chain: tuple[str, ...]
    suppress: bool


def ancestry(area_code: str) -> tuple[str, ...]:
    """The codes of the area and those above it, province first (e.g. 42, 4207, 420702)."""
    return (*(area_code[:n] for n in LENGTHS if n < len(area_code)), area_code)


def statistics_access(scope: Scope, area_code: str) -> StatisticsAccess | None:
    """How the caller may read `area_code`'s statistics; None when not at all (unknown and
    forbidden areas look alike to the caller)."""
    if len(area_code) not in CODE_LENGTH.values() or not area_code.isdigit():
        return None
    covering = [p for p in scope.patterns("statistics", "read") if p.covers(area_code)]
    if not covering:
        return None
    # The broadest grant decides the caller's level: the highest ancestor it covers.
    chain = ancestry(area_code)
    top = min(next(index for index, code in enumerate(chain) if p.covers(code)) for p in covering)
    own = scope.principal.area_code or ""
    suppress = not (scope.principal.role in UNSUPPRESSED_ROLES and area_code.startswith(own))
    return StatisticsAccess(chain=chain[top:], suppress=suppress)
