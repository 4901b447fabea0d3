"""Calendar quarters, the period of area statistics (seed 001: records are updated quarterly)."""

from __future__ import annotations

from datetime import date

# The first day statistics may be asked for: the service keeps no earlier quarters, and a
# trend of 8 quarters before year 1 cannot even be written as dates.
EARLIEST_AS_OF = date(2000, 1, 1)


def quarter_start(day: date) -> date:
    """The first day of the quarter `day` falls in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_quarters(start: date, quarters: int) -> date:
    """The first day of the quarter `quarters` after (or, negative, before) `start`'s quarter."""
    index = start.year * 4 + (start.month - 1) // 3 + quarters
    year, quarter = divmod(index, 4)
    return date(year, 3 * quarter + 1, 1)


def quarter_label(start: date) -> str:
    """How people write a quarter: `2026Q4`."""
    return f"{start.year}Q{(start.month - 1) // 3 + 1}"


def last_quarters(day: date, count: int) -> list[date]:
    """The first days of the `count` quarters ending with `day`'s, oldest first."""
    current = quarter_start(day)
    return [add_quarters(current, offset) for offset in range(1 - count, 1)]
