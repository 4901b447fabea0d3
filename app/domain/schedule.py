"""When a child is next due a visit.

Seed 001: key children are visited monthly, every child is checked each quarter, and a
risk assessment is done each March and September.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from app.enums import VisitKind

KEY_CHILD_INTERVAL_MONTHS = 1
REGULAR_INTERVAL_MONTHS = 3
# Risk assessments are due in March and September (seed 001).
MARCH = 3
SEPTEMBER = 9


@dataclass(frozen=True)
class DueVisit:
    """The next visit a child is due, and of which kind."""

    due: date
    kind: VisitKind


def add_months(d: date, months: int) -> date:
    """Return `d` moved by `months` (may be negative), clamped to the end of the month.

    For example 31 January + 1 month is 28 (or 29) February.
    """
    month_index = d.year * 12 + d.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def next_regular_visit_due(last_visit: date | None, is_key_child: bool, today: date) -> date:
    """Return when the next regular visit is due.

    Never visited: today. Key child: one month after the last visit. Others: three months
    after it, which always falls in the next calendar quarter, so no quarter goes unchecked.
    """
    if last_visit is None:
        return today
    interval = KEY_CHILD_INTERVAL_MONTHS if is_key_child else REGULAR_INTERVAL_MONTHS
    return add_months(last_visit, interval)


def _window_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _following_window(year: int, month: int) -> tuple[int, int]:
    return (year, SEPTEMBER) if month == MARCH else (year + 1, MARCH)


def next_risk_assessment_due(last_risk_assessment: date | None, today: date) -> date:
    """Return the last day of the next risk-assessment window (March, September) not covered.

    A window is covered by a risk assessment done inside it. If today is inside a window
    that is not covered, its last day (31 March or 30 September) is returned; otherwise the
    last day of the next uncovered window after today.
    """
    # The first window that has not ended yet: the current one, or the next to open.
    if today.month <= MARCH:
        year, month = today.year, MARCH
    elif today.month <= SEPTEMBER:
        year, month = today.year, SEPTEMBER
    else:
        year, month = today.year + 1, MARCH
    if last_risk_assessment is not None and (
        (last_risk_assessment.year, last_risk_assessment.month) == (year, month)
    ):
        year, month = _following_window(year, month)
    return _window_end(year, month)


def next_visit_due(
    last_visit: date | None,
    last_risk_assessment: date | None,
    is_key_child: bool,
    today: date,
) -> DueVisit:
    """Return the earlier of the next regular visit and the next risk assessment.

    A tie goes to the risk assessment, since it is a visit as well.
    """
    regular = next_regular_visit_due(last_visit, is_key_child, today)
    risk = next_risk_assessment_due(last_risk_assessment, today)
    if risk <= regular:
        return DueVisit(risk, VisitKind.RISK_ASSESSMENT)
    kind = VisitKind.KEY_CHILD_FOLLOW_UP if is_key_child else VisitKind.QUARTERLY_CHECK
    return DueVisit(regular, kind)


def is_overdue(due: date, today: date) -> bool:
    """Return whether a visit due on `due` is overdue on `today` (strictly after `due`)."""
    return today > due
