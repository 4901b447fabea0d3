"""Intake for any report: what a report names its child by, what a provisional file must
carry, and the number a reporter asks about later."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.validation import (
    Problem,
    check_age_range,
    check_length,
    check_phone,
    check_required,
    problems,
)
from app.enums import Gender, SchoolStatus

CASE_NUMBER = re.compile(r"^(\d{6})-(\d{4})-(\d{5,})$")
VILLAGE_CODE = re.compile(r"^\d{12}$")
TOWNSHIP_CODE = re.compile(r"^\d{9}$")
NAME_MAX = 100
PLACE_MAX = 300
ADULT_AGE = 18


def format_case_number(county_code: str, year: int, sequence: int) -> str:
    """A case's number: its county, the year it was reported and its place in that year's
    reports of the county, e.g. 420702-2026-00001 (read aloud over the phone, so digits)."""
    if not re.fullmatch(r"\d{6}", county_code) or not 1000 <= year <= 9999 or sequence < 1:
        raise ValueError(f"no case number for {county_code!r}, {year}, {sequence}")
    return f"{county_code}-{year:04d}-{sequence:05d}"


def is_case_number(text: str) -> bool:
    """Whether `text` has a case number's form (a lookup of anything else finds nothing)."""
    return CASE_NUMBER.fullmatch(text) is not None


def subject_problems(has_child_id: bool, has_description: bool) -> list[Problem]:
    """A report names its child by the file (childId) or describes a child not on file
    (child): exactly one of the two."""
    if has_child_id and has_description:
        return [
            Problem(
                "CHILD_ID_OR_DESCRIPTION", "child",
                "give the child's file or a description of the child, not both",
            )
        ]  # fmt: skip
    if not has_child_id and not has_description:
        return [
            Problem(
                "CHILD_ID_OR_DESCRIPTION", "childId",
                "give the child's file or a description of a child not on file",
            )
        ]  # fmt: skip
    return []


@dataclass(frozen=True)
class ChildDescription:
    """A child not on file as a report describes it: enough to open a provisional file in
    the place named, for the village to complete or match to the child's file."""

    name: str
    gender: Gender | None = None
    birth_date: date | None = None
    approximate_age: int | None = None
    village_code: str | None = None
    township_code: str | None = None
    place: str | None = None


def description_problems(child: ChildDescription, today: date) -> list[Problem]:
    """What a provisional file must carry: a name, the gender (a file has one), a birth date
    or an approximate age of a minor, and where: a village (12 digits) or a township (9)."""
    found = problems(
        check_required(child.name, "child.name"),
        check_length(child.name, "child.name", NAME_MAX),
        check_length(child.place, "child.place", PLACE_MAX),
    )
    if child.gender is None:
        found.append(Problem("REQUIRED", "child.gender", "this field is required"))
    if child.birth_date is not None:
        problem = check_age_range(child.birth_date, today)
        if problem is not None:
            found.append(Problem(problem.code, "child.birthDate", problem.message, problem.params))
    elif child.approximate_age is None:
        found.append(
            Problem("REQUIRED", "child.approximateAge", "a birth date or an approximate age")
        )
    elif not 0 <= child.approximate_age < ADULT_AGE:
        found.append(Problem("INVALID", "child.approximateAge", "an age from 0 to 17 (a minor's)"))
    found += _place_problems(child.village_code, child.township_code)
    return found


def _place_problems(village_code: str | None, township_code: str | None) -> list[Problem]:
    if village_code is None and township_code is None:
        return [Problem("REQUIRED", "child.villageCode", "a village code or a township code")]
    if village_code is not None and not VILLAGE_CODE.fullmatch(village_code):
        return [Problem("INVALID_AREA", "child.villageCode", "a village code has 12 digits")]
    if township_code is not None and not TOWNSHIP_CODE.fullmatch(township_code):
        return [Problem("INVALID_AREA", "child.townshipCode", "a township code has 9 digits")]
    if village_code and township_code and not village_code.startswith(township_code):
        return [Problem("INVALID_AREA", "child.villageCode", "the village is not in the township")]
    return []


def intake_area(child: ChildDescription) -> str:
    """Where the provisional file lies: the village when known, else the township (whose
    staff match it to a file in one of its villages)."""
    area = child.village_code or child.township_code
    if area is None:
        raise ValueError("a description without a place")
    return area


def provisional_birth_date(
    birth_date: date | None, approximate_age: int | None, today: date
) -> date:
    """The birth date a provisional file carries: the one reported, else the middle of the
    year in which a child of the approximate age was born (the village corrects it)."""
    if birth_date is not None:
        return birth_date
    if approximate_age is None:
        raise ValueError("neither a birth date nor an age")
    year_ago = today - timedelta(days=182)
    try:
        return year_ago.replace(year=year_ago.year - approximate_age)
    except ValueError:  # 29 February in a year that has none
        return year_ago.replace(year=year_ago.year - approximate_age, day=28)


def reporter_problems(name: str | None, phone: str | None) -> list[Problem]:
    """A member of the public's name and phone, when the report gives them."""
    return problems(
        check_length(name, "reporterName", NAME_MAX), check_phone(phone, "reporterPhone")
    )


# The school status a provisional file starts with, by age: what a child of that age mostly
# is, for the village to correct.
COMPULSORY_SCHOOL_AGES = range(6, 16)


def provisional_school_status(age: int) -> SchoolStatus:
    """Not yet of school age under 6, in school during compulsory schooling, else not in
    school."""
    if age < COMPULSORY_SCHOOL_AGES.start:
        return SchoolStatus.NOT_SCHOOL_AGE
    if age in COMPULSORY_SCHOOL_AGES:
        return SchoolStatus.IN_SCHOOL
    return SchoolStatus.NOT_IN_SCHOOL
