"""An area's statistics as a caller may see them: authorized, summed and protected.

GraphQL (`areaStatistics`) and the CSV export both publish this report, so they publish the
same numbers, except the measures a supervisor sees in full on screen only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.measures import HEADLINE, MEASURES, TREND_QUARTERS
from app.domain.quarters import last_quarters
from app.domain.suppression import AreaTable, Hidden, protect_chain
from app.enums import AreaLevel
from app.store.statistics import AreaInfo, ChainSums, chain_sums
from authz.scope import Scope
from authz.statistics import statistics_access


@dataclass(frozen=True)
class Counts:
    """One area's counts with the hidden ones withheld."""

    code: str
    name: str
    level: AreaLevel
    values: Mapping[str, int]
    hidden: frozenset[str]

    def count(self, measure: str) -> int | None:
        """The published count of a measure, None when it is hidden."""
        return None if measure in self.hidden else self.values.get(measure, 0)

    def ratio(self, part: str, whole: str) -> float | None:
        """part / whole, published only when both are and the whole is not zero."""
        numerator, denominator = self.count(part), self.count(whole)
        if numerator is None or not denominator:
            return None
        return numerator / denominator


@dataclass(frozen=True)
class TrendPoint:
    """The area's headline counts in one quarter."""

    quarter: date
    counts: Counts


@dataclass(frozen=True)
class StatisticsReport:
    """The area's own counts, one row per child area, and the quarterly trend."""

    quarter: date
    total: Counts
    rows: list[Counts]
    trend: list[TrendPoint]


def _tables(sums: ChainSums, chain: Sequence[str], quarter: date) -> list[AreaTable]:
    tables = []
    for code in chain:
        by_child = sums.sums.get((quarter, code), {})
        if sums.children.get(code):
            rows = {child: by_child.get(child, {}) for child in sums.children[code]}
            total = {
                m.name: sum(row.get(m.name, 0) for row in rows.values())
                for m in MEASURES
                if any(m.name in row for row in by_child.values())
            }
        else:  # a village: its own row is the total
            rows, total = {}, by_child.get(code, {})
        tables.append(AreaTable(code, total, rows))
    return tables


def _counts(info: AreaInfo, values: Mapping[str, int], hidden: frozenset[str]) -> Counts:
    return Counts(info.code, info.name, info.level, values, hidden)


async def statistics_report(
    session: AsyncSession, scope: Scope, area_code: str, as_of: date, *, on_screen: bool = False
) -> StatisticsReport | None:
    """The report of `area_code` for the quarter of `as_of`; None when the caller may not
    read it or there is no such area (the two look alike). `on_screen` for the application,
    not for exports (authz/statistics.py: what supervisors see in full)."""
    access = statistics_access(scope, area_code, on_screen=on_screen)
    if access is None:
        return None
    quarters = last_quarters(as_of, TREND_QUARTERS)
    current = quarters[-1]
    sums = await chain_sums(session, access.chain, current, quarters[:-1])
    if area_code not in sums.areas:
        return None
    chain = [code for code in access.chain if code in sums.areas]
    tables = _tables(sums, chain, current)
    hidden = protect_chain(
        tables, [m.name for m in MEASURES], primary=access.suppress, published=access.published
    )
    area, table, decided = sums.areas[area_code], tables[-1], hidden[-1]
    rows = [_counts(sums.areas[code], table.rows[code], decided.rows[code]) for code in table.rows]
    trend = []
    for quarter in quarters:
        earlier = _tables(sums, chain, quarter)
        protected: Hidden = protect_chain(
            earlier,
            [m.name for m in HEADLINE],
            primary=access.suppress,
            published=access.published,
        )[-1]
        trend.append(TrendPoint(quarter, _counts(area, earlier[-1].total, protected.total)))
    return StatisticsReport(
        quarter=current,
        total=_counts(area, table.total, decided.total),
        rows=rows,
        trend=trend,
    )
