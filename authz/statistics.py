"""Who may read the statistics of an area, from which level, and with small counts hidden."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.areas import CODE_LENGTH
from app.domain.measures import OPERATIONAL
from app.enums import AreaLevel, Role
from authz.scope import Scope

# Roles that see their own area's statistics unsuppressed: they hold the files anyway.
UNSUPPRESSED_ROLES = frozenset({Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_SUPERVISOR})
LENGTHS = sorted(CODE_LENGTH.values())
# Measures a role sees in full for the areas it supervises, reading its own area on screen
# (never in an export), and the lowest level of those areas: county civil affairs see their
# townships' operational counts, the ones they must act on; villages stay protected.
SUPERVISED: Mapping[Role, tuple[frozenset[str], AreaLevel]] = {
    Role.COUNTY_CIVIL_AFFAIRS: (frozenset(m.name for m in OPERATIONAL), AreaLevel.TOWNSHIP),
}


@dataclass(frozen=True)
class StatisticsAccess:
    """A caller's reading of one area: the chain of areas from the caller's own level down
    to it (`chain[0]` at the caller's level, `chain[-1]` the area), and whether small counts
    are hidden. `published` lines up with `chain`: the measures whose small rows the table
    of that area publishes anyway (see `SUPERVISED`)."""

    chain: tuple[str, ...]
    suppress: bool
    published: tuple[frozenset[str], ...] = ()


def ancestry(area_code: str) -> tuple[str, ...]:
    """The codes of the area and those above it, province first (e.g. 42, 4207, 420702)."""
    return (*(area_code[:n] for n in LENGTHS if n < len(area_code)), area_code)


def statistics_access(
    scope: Scope, area_code: str, *, on_screen: bool = False
) -> StatisticsAccess | None:
    """How the caller may read `area_code`'s statistics; None when not at all (unknown and
    forbidden areas look alike to the caller). `on_screen`: read in the application rather
    than exported; only then do supervisors see their supervised measures in full."""
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
    role = scope.principal.role
    supervised = SUPERVISED.get(role) if role is not None else None
    published: tuple[frozenset[str], ...] = ()
    # Only from the caller's own area: a wider grant reads as the wider level does.
    if on_screen and suppress and supervised is not None and own and chain[top] == own:
        measures, lowest = supervised
        # The table of `code` has rows one level down: published while that is not below `lowest`.
        published = tuple(
            measures if len(code) < CODE_LENGTH[lowest] else frozenset() for code in chain[top:]
        )
    return StatisticsAccess(chain=chain[top:], suppress=suppress, published=published)
