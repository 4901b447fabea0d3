"""Who may read schools' dropout and absence rates, of which schools, and with small counts
hidden or not (docs/authorization.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.areas import CODE_LENGTH
from app.enums import AreaLevel, Role
from authz.patterns import AreaPattern
from authz.scope import Scope
from authz.statistics import statistics_access


@dataclass(frozen=True)
class RatesAccess:
    """A caller's reading of a county's school rates.

    `schools`: whose rates it gets school by school (None: every school of the county, an
    empty tuple: none); `total`: whether it gets the county's totals, and `suppress` whether
    their small counts are hidden (callers above the county, as areaStatistics hides them).
    """

    schools: tuple[uuid.UUID, ...] | None
    total: bool
    suppress: bool


def school_rates_access(scope: Scope, county: str) -> RatesAccess | None:
    """How the caller may read the rates of `county`'s schools; None when not at all.

    `school_rates read` in the county gives its schools' rates and totals in full: the
    county's civil-affairs staff, who act on them. A school holds it for itself only: its own
    rates, not the county's totals (which, less its own, would be the other schools'). Any
    other reader of the county's statistics gets the totals, small counts hidden when it
    reads from above the county.
    """
    if len(county) != CODE_LENGTH[AreaLevel.COUNTY] or not county.isdigit():
        return None
    principal = scope.principal
    county_pattern = AreaPattern(county, exact=False)
    granted = [p for p in scope.patterns("school_rates", "read") if p.intersect(county_pattern)]
    if principal.role is Role.SCHOOL and granted:
        # A school's grant is its own area, inside the county: its own rates only.
        own = principal.organization_id
        return RatesAccess(() if own is None else (own,), total=False, suppress=False)
    if scope.allows("school_rates", "read", county):
        return RatesAccess(None, total=True, suppress=False)
    access = statistics_access(scope, county)
    if access is None:
        return None
    # The county is a row of the caller's own table when it reads from above it.
    return RatesAccess((), total=True, suppress=access.suppress and len(access.chain) > 1)
