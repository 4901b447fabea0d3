"""Small-cell protection of area statistics: which counts may not be published.

A table is one area's total and one row per child area, per measure: the group
`total = sum(rows)`. The rules (docs/authorization.md):

- Primary: for callers above township level, a count from 1 to 4 of an area below the
  caller's own level is hidden (few enough children to point at one family).
- Complementary: a group never has exactly one hidden cell, since it would be the total
  minus the published rest. A second cell is hidden: the smallest published row, non-zero
  ones first; when there is no other row, the total.
- Chains: a table of an area below the caller's level has as its total a cell of the parent
  area's table, which another query publishes. So the tables are protected from the caller's
  own area down to the requested one, and each total is hidden exactly when the parent's
  table hides that row: the two queries publish the same numbers. A lone row under a
  published total is that total, so it is published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Counts from 1 to 4 are small cells.
SMALLEST_PUBLISHED = 5

Values = Mapping[str, int]


@dataclass(frozen=True)
class AreaTable:
    """One area's counts: its total and its child areas' rows (child code → counts)."""

    code: str
    total: Values
    rows: Mapping[str, Values]


@dataclass(frozen=True)
class Hidden:
    """The measures not published, of a table's total and of each of its rows."""

    total: frozenset[str]
    rows: Mapping[str, frozenset[str]]


def is_small(count: int) -> bool:
    """A count that could single out a family."""
    return 0 < count < SMALLEST_PUBLISHED


def protect_group(
    total: int, cells: Mapping[str, int], *, total_hidden: bool, primary: bool
) -> tuple[bool, frozenset[str]]:
    """Whether the total is hidden and which cells are, for one measure of one table.

    `total_hidden` says the total is already hidden (decided by the parent's table);
    `primary` whether small cells are hidden at all (callers above township level).
    """
    hidden = {code for code, count in cells.items() if primary and is_small(count)}
    if cells and len(hidden) + total_hidden == 1:
        published = [code for code in cells if code not in hidden]
        if published:
            hidden.add(min(published, key=lambda code: (cells[code] == 0, cells[code], code)))
        else:
            total_hidden = True
    return total_hidden, frozenset(hidden)


def protect_chain(
    chain: Sequence[AreaTable],
    measures: Iterable[str],
    *,
    primary: bool,
    published: Sequence[frozenset[str]] = (),
) -> list[Hidden]:
    """What to hide in each table of a chain of areas, from the caller's own area down.

    `chain[0]` is the area at the caller's level; each following table is the area of a row
    of the one before. Only the totals and rows of the tables are published to the caller.
    `published[i]` names the measures whose small rows table i publishes anyway (areas the
    caller supervises); complementary cells are still hidden where a group needs them.
    """
    names = tuple(measures)
    result: list[Hidden] = []
    carried: frozenset[str] = frozenset()
    for index, table in enumerate(chain):
        total_hidden: set[str] = set()
        rows_hidden: dict[str, set[str]] = {code: set() for code in table.rows}
        in_full = published[index] if index < len(published) else frozenset()
        for name in names:
            hide_total, hide_rows = protect_group(
                table.total.get(name, 0),
                {code: row.get(name, 0) for code, row in table.rows.items()},
                total_hidden=name in carried,
                primary=primary and name not in in_full,
            )
            if hide_total and index and name not in carried:
                # The parent's table publishes this total (a row it shows in full), and a
                # lone row equals it: hiding either would only contradict the parent.
                hide_total, hide_rows = False, frozenset()
            if hide_total:
                total_hidden.add(name)
            for code in hide_rows:
                rows_hidden[code].add(name)
        result.append(
            Hidden(
                total=frozenset(total_hidden),
                rows={code: frozenset(hidden) for code, hidden in rows_hidden.items()},
            )
        )
        if index + 1 < len(chain):
            carried = result[-1].rows.get(chain[index + 1].code, frozenset())
    return result
