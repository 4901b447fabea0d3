"""Reading the statistics rollups: sums per child area, in two statements whatever the area.

The rollups have one row per village (`area_quarter_statistics`) or township
(`township_quarter_statistics`) and quarter; an area's counts are the sum of the rows whose
code starts with its code, read as a leakproof range (authz/predicates.area_in) that the
rollups' `varchar_pattern_ops` indexes serve. Areas whose children are townships or above
are summed from township rows (a province: 1,500 rows a quarter instead of 27,000).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Select, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.areas import CODE_LENGTH
from app.domain.measures import HEADLINE, MEASURES
from app.enums import AreaLevel
from app.models import Area, area_quarter_statistics, township_quarter_statistics
from authz.patterns import AreaPattern
from authz.predicates import area_in

Counts = dict[str, int]
TOWNSHIP_CODE_LENGTH = CODE_LENGTH[AreaLevel.TOWNSHIP]


@dataclass(frozen=True)
class AreaInfo:
    """An area's name and place in the hierarchy."""

    code: str
    name: str
    level: AreaLevel
    parent_code: str | None


@dataclass(frozen=True)
class ChainSums:
    """The counts under each area of a chain: (quarter, area code) → child code → counts.

    The current quarter has every measure; the trend's earlier quarters the headline ones.
    """

    areas: dict[str, AreaInfo]
    children: dict[str, list[str]]  # area code → its child areas' codes, in order
    sums: dict[tuple[date, str], dict[str, Counts]]


async def areas_of_chain(session: AsyncSession, chain: Sequence[str]) -> list[AreaInfo]:
    """The chain's areas and every area directly under one of them, by code."""
    rows = await session.execute(
        select(Area.code, Area.name, Area.level, Area.parent_code)
        .where(or_(Area.code.in_(chain), Area.parent_code.in_(chain)))
        .order_by(Area.code)
    )
    return [AreaInfo(r.code, r.name, r.level, r.parent_code) for r in rows]


def _sums_under(
    prefix: str, child_length: int, quarters: Sequence[date], measures: Sequence[str]
) -> Select[Any]:
    """Sums of `measures` (the others null) per quarter and child area under `prefix`, from
    the township rollup when the child areas are townships or above."""
    table = (
        township_quarter_statistics
        if child_length <= TOWNSHIP_CODE_LENGTH
        else area_quarter_statistics
    )
    child = func.substr(table.c.area_code, 1, child_length)
    wanted = set(measures)
    return (
        select(
            literal(prefix).label("area"),
            table.c.quarter,
            child.label("code"),
            *(
                (func.sum(table.c[m.name]) if m.name in wanted else null()).label(m.name)
                for m in MEASURES
            ),
        )
        .where(
            area_in(cast(Any, table.c.area_code), (AreaPattern(prefix, exact=False),)),
            table.c.quarter.in_(quarters),
        )
        .group_by(table.c.quarter, child)
    )


async def chain_sums(
    session: AsyncSession, chain: Sequence[str], quarter: date, earlier: Sequence[date]
) -> ChainSums:
    """Counts under every area of `chain` by child area: all measures for `quarter`, the
    headline ones for the `earlier` quarters."""
    infos = await areas_of_chain(session, chain)
    areas = {info.code: info for info in infos}
    children: dict[str, list[str]] = defaultdict(list)
    for info in infos:
        if info.parent_code is not None and info.parent_code in chain:
            children[info.parent_code].append(info.code)
    parts = []
    for code in chain:
        if code not in areas:
            continue
        # Children's codes are longer than their parent's; a village is its own only "child".
        length = len(children[code][0]) if children[code] else len(code)
        parts.append(_sums_under(code, length, [quarter], [m.name for m in MEASURES]))
        if earlier:
            parts.append(_sums_under(code, length, earlier, [m.name for m in HEADLINE]))
    sums: dict[tuple[date, str], dict[str, Counts]] = defaultdict(dict)
    if parts:
        for row in await session.execute(union_all(*parts)):
            sums[(row.quarter, row.area)][row.code] = {
                m.name: int(row._mapping[m.name])
                for m in MEASURES
                if row._mapping[m.name] is not None
            }
    return ChainSums(areas=areas, children=dict(children), sums=dict(sums))
