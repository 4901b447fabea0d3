"""Who may read the supervisor's view of staff work (`staffWork`): of which area, from which
level, and with which counts of children withheld (docs/staff.md)."""

from __future__ import annotations

from dataclasses import dataclass

from app.areas import CODE_LENGTH
from app.enums import AreaLevel
from authz.scope import Scope
from authz.statistics import SUPERVISED, UNSUPPRESSED_ROLES

COUNTY_LENGTH = CODE_LENGTH[AreaLevel.COUNTY]
TOWNSHIP_LENGTH = CODE_LENGTH[AreaLevel.TOWNSHIP]


@dataclass(frozen=True)
class StaffWorkAccess:
    """A caller's reading of one area's staff work.

    `top`: the area whose table the caller reads from (its county when its grant covers the
    county, else the township asked for), counted whole so that a township's totals are the
    same numbers the county's table publishes for it. `suppress`: whether counts of children
    from 1 to 4 are withheld (callers above township level, as areaStatistics withholds
    them); `published`: the counts of children shown in full anyway (a county's townships'
    overdue visits and cases on screen, which it supervises: authz/statistics.SUPERVISED).
    """

    top: str
    suppress: bool
    published: frozenset[str]


def staff_work_access(
    scope: Scope, area_code: str, *, on_screen: bool = False
) -> StaffWorkAccess | None:
    """How the caller may read `area_code`'s staff work; None when not at all, or it is no
    county or township code (unknown and forbidden areas look alike to the caller).

    `staff_work read` covering the area is needed: township supervisors hold it in their
    township, county civil-affairs staff in their county (authz/policy.csv).
    """
    if len(area_code) not in (COUNTY_LENGTH, TOWNSHIP_LENGTH) or not area_code.isdigit():
        return None
    if not scope.allows("staff_work", "read", area_code):
        return None
    county = area_code[:COUNTY_LENGTH]
    top = county if scope.allows("staff_work", "read", county) else area_code
    principal = scope.principal
    own = principal.area_code or ""
    suppress = not (principal.role in UNSUPPRESSED_ROLES and area_code.startswith(own))
    supervised = SUPERVISED.get(principal.role) if principal.role is not None else None
    published: frozenset[str] = frozenset()
    # Only from the caller's own county, on screen: as areaStatistics publishes them.
    if on_screen and suppress and supervised is not None and own == top:
        published = supervised[0]
    return StaffWorkAccess(top=top, suppress=suppress, published=published)
