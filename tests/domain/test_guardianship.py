"""Entrusted guardianship rules: an adult guardian, confirmed when capable, corrected the
day it was recorded."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.guardianship import (
    check_confirmable,
    check_correctable,
    check_guardian_adult,
    check_starts_after,
)
from app.domain.idnumber import make_id_number
from app.enums import GuardianCapacity

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("birth", "adult"),
    [
        (date(2011, 3, 1), False),  # 15
        (date(2008, 11, 29), False),  # 18 tomorrow
        (date(2008, 11, 28), True),  # 18 today
        (date(1958, 5, 1), True),
    ],
)
def test_guardian_adult_by_id_number(birth: date, adult: bool) -> None:
    number = make_id_number("420702", birth, 123)
    problem = check_guardian_adult(number, "idNumber", TODAY)
    assert (problem is None) is adult
    if problem:
        assert (problem.code, problem.field) == ("GUARDIAN_NOT_ADULT", "idNumber")


# The last: a 15-year-old's number with a wrong check character.
@pytest.mark.parametrize("number", [None, "", "12345", "420702201103011230"])
def test_guardian_adult_passes_without_a_valid_number(number: str | None) -> None:
    # No number says nothing; an invalid one is check_id_number's problem.
    assert check_guardian_adult(number, "idNumber", TODAY) is None


@pytest.mark.parametrize(
    ("capacity", "code"),
    [
        (GuardianCapacity.CAPABLE, None),
        (GuardianCapacity.UNASSESSED, "GUARDIAN_NOT_ASSESSED"),
        (GuardianCapacity.INCAPABLE, "GUARDIAN_INCAPABLE"),
    ],
)
def test_confirmable(capacity: GuardianCapacity, code: str | None) -> None:
    problem = check_confirmable(capacity)
    assert (problem and problem.code) == code


@pytest.mark.parametrize(
    ("recorded_on", "correctable"),
    [(TODAY, True), (date(2026, 11, 27), False), (date(2025, 11, 28), False)],
)
def test_correctable_on_the_day_it_was_recorded(recorded_on: date, correctable: bool) -> None:
    problem = check_correctable(recorded_on, TODAY)
    assert (problem is None) is correctable
    if problem:
        assert (problem.code, problem.field) == ("NOT_CORRECTABLE", "correctsId")


@pytest.mark.parametrize(
    ("starts_on", "ok"),
    [(date(2024, 5, 1), True), (date(2026, 11, 20), True), (date(2024, 4, 30), False)],
)
def test_starts_after_the_one_before(starts_on: date, ok: bool) -> None:
    problem = check_starts_after(date(2024, 5, 1), starts_on)
    assert (problem is None) is ok
    if problem:
        assert (problem.code, problem.field) == ("INVALID_DATE", "startsOn")
