"""Visit scheduling: monthly for key children, quarterly for all, March/September risk."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.schedule import (
    DueVisit,
    add_months,
    is_overdue,
    next_regular_visit_due,
    next_risk_assessment_due,
    next_visit_due,
)
from app.enums import VisitKind

TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 10), -1, date(2025, 12, 10)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
        (date(2026, 5, 5), 24, date(2028, 5, 5)),
    ],
)
def test_add_months(d: date, months: int, expected: date) -> None:
    assert add_months(d, months) == expected


def test_next_regular_visit_due() -> None:
    assert next_regular_visit_due(None, False, TODAY) == TODAY
    assert next_regular_visit_due(None, True, TODAY) == TODAY
    assert next_regular_visit_due(date(2026, 5, 31), True, TODAY) == date(2026, 6, 30)
    assert next_regular_visit_due(date(2026, 5, 31), False, TODAY) == date(2026, 8, 31)
    assert next_regular_visit_due(date(2025, 11, 30), False, TODAY) == date(2026, 2, 28)


def _quarter(d: date) -> int:
    return d.year * 4 + (d.month - 1) // 3


@given(last=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_regular_visit_keeps_every_quarter_covered(last: date) -> None:
    due = next_regular_visit_due(last, False, TODAY)
    assert due > last
    assert _quarter(due) - _quarter(last) in (0, 1)


@given(last=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_key_child_visit_is_due_next_month(last: date) -> None:
    due = next_regular_visit_due(last, True, TODAY)
    assert (due.year * 12 + due.month) - (last.year * 12 + last.month) == 1
    assert due.day <= last.day


@pytest.mark.parametrize(
    ("last", "today", "expected"),
    [
        (None, date(2026, 3, 15), date(2026, 3, 31)),
        (None, date(2026, 1, 10), date(2026, 3, 31)),
        (None, date(2026, 4, 1), date(2026, 9, 30)),
        (None, date(2026, 9, 30), date(2026, 9, 30)),
        (None, date(2026, 10, 1), date(2027, 3, 31)),
        (date(2026, 3, 2), date(2026, 3, 15), date(2026, 9, 30)),
        (date(2025, 3, 20), date(2026, 3, 15), date(2026, 3, 31)),
        (date(2026, 2, 27), date(2026, 3, 15), date(2026, 3, 31)),
        (date(2026, 3, 31), date(2026, 3, 31), date(2026, 9, 30)),
        (date(2026, 9, 10), date(2026, 10, 5), date(2027, 3, 31)),
        (date(2026, 9, 10), date(2026, 9, 20), date(2027, 3, 31)),
        (date(2026, 3, 10), date(2026, 6, 1), date(2026, 9, 30)),
        (date(2026, 12, 5), date(2026, 12, 20), date(2027, 3, 31)),
        # An assessment already recorded inside the next window covers it.
        (date(2027, 3, 1), date(2026, 12, 20), date(2027, 9, 30)),
    ],
)
def test_next_risk_assessment_due(last: date | None, today: date, expected: date) -> None:
    assert next_risk_assessment_due(last, today) == expected


def test_next_visit_due_picks_the_earlier() -> None:
    # Key child visited 2026-05-31: follow-up 2026-06-30 is before the September window.
    assert next_visit_due(date(2026, 5, 31), date(2026, 3, 5), True, TODAY) == DueVisit(
        date(2026, 6, 30), VisitKind.KEY_CHILD_FOLLOW_UP
    )
    # Other child visited 2026-07-20: quarterly check 2026-10-20 is after 2026-09-30.
    assert next_visit_due(date(2026, 7, 20), date(2026, 3, 5), False, date(2026, 8, 1)) == (
        DueVisit(date(2026, 9, 30), VisitKind.RISK_ASSESSMENT)
    )
    # Other child visited 2026-05-01: quarterly check 2026-08-01 comes first.
    assert next_visit_due(date(2026, 5, 1), date(2026, 3, 5), False, TODAY) == DueVisit(
        date(2026, 8, 1), VisitKind.QUARTERLY_CHECK
    )
    # Never visited: due today.
    assert next_visit_due(None, None, False, TODAY) == DueVisit(TODAY, VisitKind.QUARTERLY_CHECK)


def test_next_visit_due_tie_goes_to_risk_assessment() -> None:
    # Visited 2026-06-30, quarterly check due 2026-09-30, the end of the September window.
    assert next_visit_due(date(2026, 6, 30), date(2026, 3, 5), False, TODAY) == DueVisit(
        date(2026, 9, 30), VisitKind.RISK_ASSESSMENT
    )
    # Never visited, today is the last day of March: both due today.
    assert next_visit_due(None, None, True, date(2026, 3, 31)) == DueVisit(
        date(2026, 3, 31), VisitKind.RISK_ASSESSMENT
    )


def test_is_overdue() -> None:
    due = date(2026, 6, 30)
    assert not is_overdue(due, date(2026, 6, 29))
    assert not is_overdue(due, date(2026, 6, 30))
    assert is_overdue(due, date(2026, 7, 1))
