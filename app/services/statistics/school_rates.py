"""A county's school rates as a caller may see them: authorized, counted, rated and
protected (a read that composes authz, store and domain, as `report` does)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.quarters import quarter_start
from app.domain.school_rates import PupilCounts, Rates, rates, totals
from app.domain.suppression import is_small
from app.enums import SchoolLevel
from app.store.school_rates import SchoolCounts, school_counts
from authz.school_rates import school_rates_access
from authz.scope import Scope

# The counts of a total, by the name its GraphQL field and `hidden` give it.
COUNTS = ("pupils", "dropped_out", "absent")


@dataclass(frozen=True)
class LevelTotal:
    """The county's schools of one stage of schooling, summed; `hidden` names the counts
    withheld as small cells (their rates are withheld with them)."""

    level: SchoolLevel
    counts: PupilCounts
    rates: Rates
    hidden: frozenset[str]

    def count(self, name: str) -> int | None:
        """A published count, None when it is hidden."""
        return None if name in self.hidden else int(getattr(self.counts, name))


@dataclass(frozen=True)
class SchoolRatesReport:
    """The rates of the county's schools the caller may see, and the county's totals."""

    county: str
    start: date
    end: date
    schools: list[tuple[SchoolCounts, Rates]]
    totals: list[LevelTotal]


def _total(level: SchoolLevel, counts: PupilCounts, suppress: bool) -> LevelTotal:
    hidden = frozenset(name for name in COUNTS if suppress and is_small(int(getattr(counts, name))))
    found = rates(counts, level)
    withheld = Rates(
        None if {"pupils", "dropped_out"} & hidden else found.dropout_rate,
        None if {"pupils", "absent"} & hidden else found.absence_rate,
        found.dropout_target,
        None if {"pupils", "dropped_out"} & hidden else found.target_met,
    )
    return LevelTotal(level, counts, withheld, hidden)


async def school_rates_report(
    session: AsyncSession, scope: Scope, county: str, as_of: date
) -> SchoolRatesReport | None:
    """The school rates of `county` from the start of `as_of`'s quarter to `as_of`; None
    when the caller may not read them or it is no county code (the two look alike)."""
    access = school_rates_access(scope, county)
    if access is None:
        return None
    start = quarter_start(as_of)
    found = await school_counts(session, county, access.schools, start, as_of)
    # Every school counts in the totals, also those the caller is not shown one by one.
    everyone = found
    if access.total and access.schools is not None:
        everyone = await school_counts(session, county, None, start, as_of)
    summed: Mapping[SchoolLevel, PupilCounts] = totals((s.level, s.counts) for s in everyone)
    return SchoolRatesReport(
        county=county,
        start=start,
        end=as_of,
        schools=[(school, rates(school.counts, school.level)) for school in found],
        totals=[_total(level, summed[level], access.suppress) for level in summed]
        if access.total
        else [],
    )
