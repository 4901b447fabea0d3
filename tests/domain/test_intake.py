"""Intake: the case number's form, what a report names its child by, and what a provisional
file must carry."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.intake import (
    ChildDescription,
    description_problems,
    format_case_number,
    intake_area,
    is_case_number,
    provisional_birth_date,
    provisional_school_status,
    reporter_problems,
    subject_problems,
)
from app.enums import Gender, SchoolStatus

TODAY = date(2026, 11, 29)
VILLAGE, TOWNSHIP = "420702100201", "420702100"


@pytest.mark.parametrize(
    ("county", "year", "sequence", "number"),
    [
        ("420702", 2026, 1, "420702-2026-00001"),
        ("420702", 2026, 42, "420702-2026-00042"),
        ("150102", 2027, 99999, "150102-2027-99999"),
        ("150102", 2027, 123456, "150102-2027-123456"),
    ],
)
def test_case_numbers(county: str, year: int, sequence: int, number: str) -> None:
    assert format_case_number(county, year, sequence) == number
    assert is_case_number(number)


@pytest.mark.parametrize(
    ("county", "year", "sequence"),
    [("4207", 2026, 1), ("42070a", 2026, 1), ("420702", 26, 1), ("420702", 2026, 0)],
)
def test_no_case_number_of_bad_parts(county: str, year: int, sequence: int) -> None:
    with pytest.raises(ValueError):
        format_case_number(county, year, sequence)


@pytest.mark.parametrize(
    "text",
    ["", "420702-2026-1", "420702-2026", "4207022026-00001", " 420702-2026-00001", "x" * 40],
)
def test_not_case_numbers(text: str) -> None:
    assert not is_case_number(text)


@pytest.mark.parametrize(
    ("has_child_id", "has_description", "field"),
    [(True, False, None), (False, True, None), (True, True, "child"), (False, False, "childId")],
)
def test_a_report_names_its_child_one_way(
    has_child_id: bool, has_description: bool, field: str | None
) -> None:
    found = subject_problems(has_child_id, has_description)
    assert [(p.code, p.field) for p in found] == (
        [] if field is None else [("CHILD_ID_OR_DESCRIPTION", field)]
    )


def _described(**fields: object) -> ChildDescription:
    given: dict[str, object] = {
        "name": "小明", "gender": Gender.MALE, "approximate_age": 8, "village_code": VILLAGE,
    } | fields  # fmt: skip
    return ChildDescription(**given)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({}, []),
        ({"approximate_age": None, "birth_date": date(2018, 3, 1)}, []),
        ({"village_code": None, "township_code": TOWNSHIP}, []),
        ({"township_code": TOWNSHIP}, []),
        ({"name": "  "}, [("REQUIRED", "child.name")]),
        ({"name": "名" * 101}, [("TOO_LONG", "child.name")]),
        ({"gender": None}, [("REQUIRED", "child.gender")]),
        ({"approximate_age": None}, [("REQUIRED", "child.approximateAge")]),
        ({"approximate_age": 18}, [("INVALID", "child.approximateAge")]),
        ({"approximate_age": -1}, [("INVALID", "child.approximateAge")]),
        ({"birth_date": date(2027, 1, 1)}, [("FUTURE_DATE", "child.birthDate")]),
        ({"birth_date": date(2000, 1, 1)}, [("NOT_A_MINOR", "child.birthDate")]),
        ({"village_code": None}, [("REQUIRED", "child.villageCode")]),
        ({"village_code": "4207021002"}, [("INVALID_AREA", "child.villageCode")]),
        ({"village_code": None, "township_code": "4207"}, [("INVALID_AREA", "child.townshipCode")]),
        ({"township_code": "420702101"}, [("INVALID_AREA", "child.villageCode")]),
        ({"place": "路" * 301}, [("TOO_LONG", "child.place")]),
    ],
)
def test_what_a_provisional_file_must_carry(
    fields: dict[str, object], problems: list[tuple[str, str]]
) -> None:
    found = description_problems(_described(**fields), TODAY)
    assert [(p.code, p.field) for p in found] == problems


@pytest.mark.parametrize(
    ("village", "township", "area"),
    [(VILLAGE, None, VILLAGE), (None, TOWNSHIP, TOWNSHIP), (VILLAGE, TOWNSHIP, VILLAGE)],
)
def test_the_file_lies_in_the_village_when_known(
    village: str | None, township: str | None, area: str
) -> None:
    assert intake_area(_described(village_code=village, township_code=township)) == area


@pytest.mark.parametrize(
    ("birth_date", "age", "expected"),
    [
        (date(2018, 3, 1), None, date(2018, 3, 1)),
        (date(2018, 3, 1), 12, date(2018, 3, 1)),
        (None, 8, date(2018, 5, 31)),
        (None, 0, date(2026, 5, 31)),
        (None, 17, date(2009, 5, 31)),
    ],
)
def test_a_provisional_birth_date(birth_date: date | None, age: int | None, expected: date) -> None:
    assert provisional_birth_date(birth_date, age, TODAY) == expected


def test_a_provisional_birth_date_on_a_leap_day() -> None:
    # 182 days before 2028-08-29 is 2028-02-29; four years back there is none.
    assert provisional_birth_date(None, 1, date(2028, 8, 29)) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (0, SchoolStatus.NOT_SCHOOL_AGE),
        (5, SchoolStatus.NOT_SCHOOL_AGE),
        (6, SchoolStatus.IN_SCHOOL),
        (15, SchoolStatus.IN_SCHOOL),
        (16, SchoolStatus.NOT_IN_SCHOOL),
        (17, SchoolStatus.NOT_IN_SCHOOL),
    ],
)
def test_a_provisional_school_status(age: int, status: SchoolStatus) -> None:
    assert provisional_school_status(age) is status


@pytest.mark.parametrize(
    ("name", "phone", "problems"),
    [
        (None, None, []),
        ("张女士", "13800000000", []),
        ("张女士", "0711-3456789", []),
        ("张" * 101, None, [("TOO_LONG", "reporterName")]),
        (None, "12345", [("INVALID_PHONE", "reporterPhone")]),
    ],
)
def test_a_public_reporters_contact(
    name: str | None, phone: str | None, problems: list[tuple[str, str]]
) -> None:
    assert [(p.code, p.field) for p in reporter_problems(name, phone)] == problems
