"""Absence rows as schools send them, and the dropout-risk rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.absences import (
    CheckedAbsence,
    DropoutRule,
    RawAbsence,
    RejectedAbsence,
    Rejection,
    check_absence,
    next_school_day,
    submission_digest,
)
from app.domain.idnumber import make_id_number

TODAY = date(2026, 11, 23)  # a Monday
VALID_ID = make_id_number("420702", date(2015, 3, 1), 12)


def raw(**fields: object) -> RawAbsence:
    values: dict[str, object] = {
        "student_number": "S001", "id_number": None, "date": "2026-11-20",
        "periods": 6, "excused": False, "reason": None,
    }  # fmt: skip
    values.update(fields)
    return RawAbsence(**values)  # type: ignore[arg-type]


def test_a_good_row_is_checked_and_normalized() -> None:
    checked = check_absence(1, raw(id_number=f" {VALID_ID.lower()} ", reason=" 病假 "), TODAY)
    assert checked == CheckedAbsence(
        row=1, student_number="S001", id_number=VALID_ID.upper(),
        absent_on=date(2026, 11, 20), periods=6, excused=False, reason="病假",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"student_number": " ", "id_number": None}, Rejection.MISSING_STUDENT),
        ({"id_number": "420702201503011234"}, Rejection.INVALID_ID_NUMBER),
        ({"date": "2026-02-30"}, Rejection.BAD_DATE),
        ({"date": "yesterday"}, Rejection.BAD_DATE),
        ({"date": None}, Rejection.BAD_DATE),
        ({"date": "2026-11-24"}, Rejection.BAD_DATE),  # tomorrow
        ({"date": "2024-11-20"}, Rejection.BAD_DATE),  # more than a year ago
        ({"periods": 0}, Rejection.INVALID_PERIODS),
        ({"periods": "13"}, Rejection.INVALID_PERIODS),
        ({"periods": "two"}, Rejection.INVALID_PERIODS),
        ({"excused": "maybe"}, Rejection.INVALID_EXCUSED),
        ({"student_number": "S" * 33}, Rejection.TOO_LONG),
        ({"reason": "病" * 301}, Rejection.TOO_LONG),
    ],
)
def test_bad_rows_are_rejected_with_their_reason(fields: dict[str, object], reason: str) -> None:
    checked = check_absence(7, raw(**fields), TODAY)
    assert isinstance(checked, RejectedAbsence)
    assert (checked.row, checked.reason) == (7, reason)
    assert checked.message


def test_spreadsheet_spellings_are_understood() -> None:
    checked = check_absence(1, raw(date="2026/11/20", periods="", excused="是"), TODAY)
    assert isinstance(checked, CheckedAbsence)
    assert (checked.absent_on, checked.periods, checked.excused) == (date(2026, 11, 20), 12, True)


def test_json_and_csv_spellings_of_a_batch_have_one_digest() -> None:
    as_json = [raw(periods=6, excused=False), raw(student_number="S002", excused=True)]
    as_csv = [raw(periods="6", excused="否"), raw(student_number=" S002", excused="true")]
    assert submission_digest(as_json) == submission_digest(as_csv)
    assert submission_digest(as_json) != submission_digest(as_json[:1])
    assert submission_digest(as_json) != submission_digest([raw(periods=5), as_json[1]])


def school_days(start: date, count: int) -> list[date]:
    days = [start]
    while len(days) < count:
        days.append(next_school_day(days[-1]))
    return days


RULE = DropoutRule(consecutive_days=3, days_in_window=10, window_days=30)


def test_three_consecutive_school_days_across_a_weekend_trigger() -> None:
    # Thursday, Friday and Monday are three school days in a row.
    assert RULE.at_risk([date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 23)], TODAY)
    assert not RULE.at_risk([date(2026, 11, 19), date(2026, 11, 23)], TODAY)
    assert not RULE.at_risk([date(2026, 11, 18), date(2026, 11, 20), date(2026, 11, 23)], TODAY)


def test_ten_scattered_days_within_thirty_trigger() -> None:
    scattered = [TODAY - timedelta(days=3 * i) for i in range(10)]  # no three in a row
    assert not DropoutRule(consecutive_days=99).at_risk(scattered[:9], TODAY)
    assert DropoutRule(consecutive_days=99).at_risk(scattered, TODAY)


def test_absences_before_the_window_do_not_count() -> None:
    old = school_days(TODAY - timedelta(days=60), 5)
    assert not RULE.at_risk(old, TODAY)
    assert RULE.at_risk(old, old[-1])


@given(st.lists(st.dates(TODAY - timedelta(days=40), TODAY), max_size=25))
def test_the_rule_matches_its_definition(days: list[date]) -> None:
    start = RULE.lookback_start(TODAY)
    recent = sorted({d for d in days if d >= start})
    consecutive = any(
        school_days(d, RULE.consecutive_days) == recent[i : i + RULE.consecutive_days]
        for i, d in enumerate(recent)
    )
    crowded = any(
        len([e for e in recent if d <= e < d + timedelta(days=RULE.window_days)])
        >= RULE.days_in_window
        for d in recent
    )
    assert RULE.at_risk(days, TODAY) == (consecutive or crowded)
