"""Input checks: phones, dates around now, ID numbers, required, length, a child's age."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.domain.idnumber import make_id_number
from app.domain.validation import (
    Problem,
    check_age_range,
    check_id_number,
    check_length,
    check_not_future,
    check_phone,
    check_required,
    problems,
)
from app.enums import Gender

BEIJING = timezone(timedelta(hours=8))
# 07:00 in Beijing is still the day before in UTC: dates must be the local ones.
NOW = datetime(2026, 6, 15, 7, 0, tzinfo=BEIJING)
TODAY = date(2026, 6, 15)

# A boy of Echeng district (鄂州市鄂城区), Hubei, born 2015-03-08.
BIRTH = date(2015, 3, 8)
BOY = make_id_number("420702", BIRTH, 123)
GIRL = "42070320121120000X"  # born 2012-11-20, sequence 000 (even: female)


def test_made_numbers_are_the_expected_ones() -> None:
    assert BOY == "420702201503081237"
    assert make_id_number("420703", date(2012, 11, 20), 0) == GIRL


@pytest.mark.parametrize(
    "phone",
    [
        None,
        "",
        "13800138000",
        "19912345678",
        "15171234567",
        "138 0013 8000",
        " 13800138000 ",
        "0711-3456789",
        "07113456789",
        "010-12345678",
        "027 8765 4321",
        "0711 - 3456789",
    ],
)
def test_valid_phone(phone: str | None) -> None:
    assert check_phone(phone, "phone") is None


@pytest.mark.parametrize(
    "phone",
    [
        "12345678901",  # no mobile prefix starts with 12
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "+8613800138000",
        "8613800138000",
        "3456789",  # landline without area code
        "0711--3456789",
        "0711-345678",  # 6-digit local number
        "0711-345678901",
        "138-0013-8000",
        "１３８００１３８０００",  # full-width digits
        "abc",
        "1380013800O",  # letter O
    ],
)
def test_invalid_phone(phone: str) -> None:
    assert check_phone(phone, "guardianPhone") == Problem(
        "INVALID_PHONE", "guardianPhone", "not a valid mobile or landline number"
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, None),
        (date(2026, 6, 15), None),  # today in Beijing, though still 14 June in UTC
        (date(2026, 6, 14), None),
        (date(2026, 6, 16), "FUTURE_DATE"),
        (date(2030, 1, 1), "FUTURE_DATE"),
        (NOW, None),
        (NOW - timedelta(days=3), None),
        (NOW + timedelta(minutes=4), None),
        (NOW + timedelta(minutes=5), None),  # within the allowed clock skew
        (NOW + timedelta(minutes=5, seconds=1), "FUTURE_DATE"),
        (NOW + timedelta(hours=1), "FUTURE_DATE"),
        # The same instant in another time zone.
        (datetime(2026, 6, 14, 23, 3, tzinfo=UTC), None),
        (datetime(2026, 6, 14, 23, 6, tzinfo=UTC), "FUTURE_DATE"),
        (datetime(2026, 6, 15, 7, 0), "MISSING_TIMEZONE"),
    ],
)
def test_not_future(value: date | datetime | None, code: str | None) -> None:
    problem = check_not_future(value, "visitedAt", NOW)
    assert (problem and problem.code) == code
    if problem:
        assert problem.field == "visitedAt"


@pytest.mark.parametrize(
    ("id_number", "birth_date", "gender", "codes"),
    [
        (None, BIRTH, Gender.MALE, []),
        ("", BIRTH, Gender.MALE, []),
        (BOY, BIRTH, Gender.MALE, []),
        (BOY, None, None, []),
        (" 4207 0220 1503 0812 37 ", BIRTH, Gender.MALE, []),
        (GIRL, date(2012, 11, 20), Gender.FEMALE, []),
        (GIRL.lower(), date(2012, 11, 20), Gender.FEMALE, []),
        (BOY, date(2015, 3, 9), Gender.MALE, ["ID_NUMBER_MISMATCH"]),
        (BOY, BIRTH, Gender.FEMALE, ["ID_NUMBER_MISMATCH"]),
        (BOY, date(2015, 8, 3), Gender.FEMALE, ["ID_NUMBER_MISMATCH", "ID_NUMBER_MISMATCH"]),
        ("420702201503081238", BIRTH, Gender.MALE, ["INVALID_ID_NUMBER"]),  # check character
        ("42070220150308123", BIRTH, Gender.MALE, ["INVALID_ID_NUMBER"]),  # 17 characters
        ("42070220150308123A", BIRTH, Gender.MALE, ["INVALID_ID_NUMBER"]),
        # A mismatch is not reported on top of an invalid number.
        ("420702201503081238", date(2000, 1, 1), Gender.FEMALE, ["INVALID_ID_NUMBER"]),
    ],
)
def test_id_number(
    id_number: str | None, birth_date: date | None, gender: Gender | None, codes: list[str]
) -> None:
    found = check_id_number(
        id_number, "idNumber", birth_date=birth_date, gender=gender, today=TODAY
    )
    assert [p.code for p in found] == codes
    assert all(p.field == "idNumber" for p in found)


def test_id_number_messages_say_what_is_wrong() -> None:
    (invalid,) = check_id_number("420702201503081238", "idNumber", today=TODAY)
    assert invalid.message == "invalid ID number: the check character does not match"
    mismatches = check_id_number(
        BOY, "idNumber", birth_date=date(2015, 3, 9), gender=Gender.FEMALE, today=TODAY
    )
    assert [p.message for p in mismatches] == [
        "the ID number does not match the birth date",
        "the ID number does not match the gender",
    ]


def test_id_number_born_after_today_is_invalid() -> None:
    tomorrow = TODAY + timedelta(days=1)
    (problem,) = check_id_number(make_id_number("420702", tomorrow, 123), "idNumber", today=TODAY)
    assert problem.code == "INVALID_ID_NUMBER"
    assert "future" in problem.message


@pytest.mark.parametrize(
    ("value", "code"),
    [(None, "REQUIRED"), ("", "REQUIRED"), ("   ", "REQUIRED"), ("\t\n", "REQUIRED"),
     ("张三", None), (" a ", None)],
)  # fmt: skip
def test_required(value: str | None, code: str | None) -> None:
    problem = check_required(value, "name")
    assert (problem and problem.code) == code
    if problem:
        assert problem.field == "name"


@pytest.mark.parametrize(
    ("value", "maximum", "code"),
    [
        (None, 3, None),
        ("", 0, None),
        ("abc", 3, None),
        ("张三丰", 3, None),  # characters, not bytes
        ("abcd", 3, "TOO_LONG"),
        ("欧阳娜娜", 3, "TOO_LONG"),
    ],
)
def test_length(value: str | None, maximum: int, code: str | None) -> None:
    problem = check_length(value, "name", maximum)
    assert (problem and problem.code) == code
    if problem:
        assert problem == Problem(
            "TOO_LONG", "name", "at most {maximum} characters", {"maximum": maximum}
        )
        assert problem.render("en") == f"at most {maximum} characters"
        assert problem.render("zh") == f"最多 {maximum} 个字符"


@pytest.mark.parametrize(
    ("birth_date", "today", "code"),
    [
        (date(2026, 6, 15), TODAY, None),  # born today
        (date(2026, 6, 16), TODAY, "FUTURE_DATE"),
        (date(2008, 6, 16), TODAY, None),  # 18 tomorrow
        (date(2008, 6, 15), TODAY, "NOT_A_MINOR"),  # 18 today
        (date(2000, 1, 1), TODAY, "NOT_A_MINOR"),
        (date(2008, 2, 29), date(2026, 2, 28), None),  # a leap-day birthday comes on 1 March
        (date(2008, 2, 29), date(2026, 3, 1), "NOT_A_MINOR"),
    ],
)
def test_age_range(birth_date: date, today: date, code: str | None) -> None:
    problem = check_age_range(birth_date, today)
    assert (problem and problem.code) == code
    if problem:
        assert problem.field == "birthDate"


def test_problems_flattens_and_drops_passes() -> None:
    a = Problem("REQUIRED", "name", "this field is required")
    b = Problem("INVALID_PHONE", "phone", "not a valid mobile or landline number")
    c = Problem("ID_NUMBER_MISMATCH", "idNumber", "the ID number does not match the gender")
    assert problems() == []
    assert problems(None, [], None) == []
    assert problems(a, None, [b, c], None) == [a, b, c]


def test_a_mutation_gets_every_problem_at_once() -> None:
    found = problems(
        check_required("  ", "name"),
        check_phone("12345", "guardianPhone"),
        check_id_number(BOY, "idNumber", birth_date=BIRTH, gender=Gender.FEMALE, today=TODAY),
        check_not_future(date(2027, 1, 1), "reportedOn", NOW),
        check_age_range(BIRTH, TODAY),
    )
    assert [(p.code, p.field) for p in found] == [
        ("REQUIRED", "name"),
        ("INVALID_PHONE", "guardianPhone"),
        ("ID_NUMBER_MISMATCH", "idNumber"),
        ("FUTURE_DATE", "reportedOn"),
    ]
