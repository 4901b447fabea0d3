"""Input checks that return problems instead of raising, so a mutation reports all at once.

Each check takes the GraphQL input field name (camelCase) from its caller and names it in
the problem it returns; None means the value passed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence, Sized
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.domain.classification import ADULT_AGE, age_on
from app.domain.idnumber import InvalidIdNumber, id_number_mismatches, parse_id_number
from app.enums import Gender, LivingArrangement, ParentRelation, SchoolStatus, VisitKind
from app.i18n import Language, translate

# ASCII classes on purpose: \d would also accept full-width and other Unicode digits.
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")

# Devices' clocks run a little fast or slow; a time just "in the future" is not an error.
CLOCK_SKEW = timedelta(minutes=5)
# Nothing the service records happened before this day: an earlier one is a typing or
# device error (and year 1 overflows when moved to UTC).
EARLIEST_DATE = date(1900, 1, 1)
# Items in a list input (a visit's risks, say) a person could have typed.
MAX_LIST_ITEMS = 50

BIRTH_DATE_FIELD = "birthDate"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: a code for programs, a short message for people.

    `message` is the message's English template, its catalogue key (app/messages.py), with
    {named} placeholders filled from `params` when it is rendered in the caller's language.
    """

    code: str
    field: str
    message: str
    params: Mapping[str, object] | None = None

    def render(self, language: Language | None = None) -> str:
        """The message for people, in `language` (default: the request's)."""
        return translate(self.message, self.params, language)


def problems(*checks: Problem | list[Problem] | None) -> list[Problem]:
    """Flatten the results of several checks into one list, dropping the Nones."""
    found: list[Problem] = []
    for check in checks:
        if isinstance(check, Problem):
            found.append(check)
        elif check is not None:
            found.extend(check)
    return found


def check_required(value: str | None, field: str) -> Problem | None:
    """A value that must be given and not blank."""
    if value is None or not value.strip():
        return Problem("REQUIRED", field, "this field is required")
    return None


def check_length(value: str | None, field: str, maximum: int) -> Problem | None:
    """A value of at most `maximum` characters (None passes)."""
    if value is not None and len(value) > maximum:
        return Problem("TOO_LONG", field, "at most {maximum} characters", {"maximum": maximum})
    return None


def check_phone(value: str | None, field: str) -> Problem | None:
    """A mainland mobile (1[3-9] and 9 digits) or landline (0 + area code, -, 7-8 digits).

    Spaces are ignored, as people type "138 0000 0000"; None, "" (and blank) pass.
    """
    if value is None:
        return None
    number = "".join(value.split())
    if not number or _MOBILE.fullmatch(number) or _LANDLINE.fullmatch(number):
        return None
    return Problem("INVALID_PHONE", field, "not a valid mobile or landline number")


def check_list_length(
    values: Sized | None, field: str, maximum: int = MAX_LIST_ITEMS
) -> Problem | None:
    """A list of at most `maximum` items (None passes)."""
    if values is not None and len(values) > maximum:
        return Problem("TOO_MANY", field, "at most {maximum} items", {"maximum": maximum})
    return None


def check_not_future(value: date | datetime | None, field: str, now: datetime) -> Problem | None:
    """A date or time that has already happened, and not before EARLIEST_DATE (None passes).

    A date is compared with now's date, so pass `now` in local time (Asia/Shanghai) for the
    local date. A datetime is compared with `now` allowing CLOCK_SKEW; a datetime without a
    time zone, when `now` has one, is reported as MISSING_TIMEZONE since it cannot be placed.
    Before EARLIEST_DATE is TOO_EARLY (a time by its own calendar day).
    """
    if value is None:
        return None
    if (value.date() if isinstance(value, datetime) else value) < EARLIEST_DATE:
        return Problem(
            "TOO_EARLY", field, "the date is before {minimum}", {"minimum": EARLIEST_DATE}
        )
    # datetime is a subclass of date, so it must be tested first.
    if isinstance(value, datetime):
        if value.tzinfo is None and now.tzinfo is not None:
            return Problem("MISSING_TIMEZONE", field, "the time needs a time zone offset")
        if value > now + CLOCK_SKEW:
            return Problem("FUTURE_DATE", field, "the time is in the future")
        return None
    if value > now.date():
        return Problem("FUTURE_DATE", field, "the date is in the future")
    return None


def check_id_number(
    id_number: str | None,
    field: str,
    *,
    birth_date: date | None = None,
    gender: Gender | None = None,
    today: date,
) -> list[Problem]:
    """An ID number that is valid and, when given, agrees with the birth date and gender.

    None and "" pass. An invalid number gives one INVALID_ID_NUMBER problem with the reason;
    a valid one gives an ID_NUMBER_MISMATCH problem per field it disagrees with.
    """
    if not id_number:
        return []
    try:
        parse_id_number(id_number, today)
    except InvalidIdNumber as exc:
        return [Problem("INVALID_ID_NUMBER", field, exc.template, exc.params)]
    return [
        Problem("ID_NUMBER_MISMATCH", field, "the ID number does not match the birth date")
        if mismatch == "birth_date"
        else Problem("ID_NUMBER_MISMATCH", field, "the ID number does not match the gender")
        for mismatch in id_number_mismatches(id_number, birth_date, gender)
    ]


def check_age_range(birth_date: date, today: date) -> Problem | None:
    """A child on file: born (not in the future) and under 18."""
    if birth_date > today:
        return Problem("FUTURE_DATE", BIRTH_DATE_FIELD, "the birth date is in the future")
    if age_on(birth_date, today) >= ADULT_AGE:
        return Problem(
            "NOT_A_MINOR", BIRTH_DATE_FIELD, "the child is {age} or older", {"age": ADULT_AGE}
        )
    return None


def check_day_not_future(day: date | None, field: str, today: date) -> Problem | None:
    """A day that is not after `today` (None passes)."""
    if day is not None and day > today:
        return Problem("FUTURE_DATE", field, "the date is in the future")
    return None


def check_not_before_birth(day: date, birth_date: date, field: str) -> Problem | None:
    """Something about a child (a visit) that cannot have happened before the child was born."""
    if day < birth_date:
        return Problem("BEFORE_BIRTH", field, "the date is before the child's birth")
    return None


def check_province_code(code: str | None, field: str, provinces: Collection[str]) -> Problem | None:
    """A province of the national area table (2 digits, e.g. 44 for Guangdong); None passes."""
    if code is not None and code not in provinces:
        return Problem("INVALID_AREA", field, "not a province code")
    return None


def check_parent_relations(
    relations: Sequence[tuple[str, ParentRelation]], on_file: Collection[ParentRelation] = ()
) -> list[Problem]:
    """A household has one father and one mother: each (field, relation) naming a relation
    already on file, or given earlier in the list, is a DUPLICATE_PARENT."""
    seen = set(on_file)
    found = []
    for field, relation in relations:
        if relation in seen:
            found.append(
                Problem("DUPLICATE_PARENT", field, "the household already has this parent")
            )
        seen.add(relation)
    return found


# The youngest age (completed years) at which a child can be in each school status. The
# policy: kindergarten from 3 (nurseries take 2-year-olds), compulsory schooling from 6 (a
# year earlier where local rules allow it), so dropping out from the same age, and nine
# years of compulsory education completed at 15 at the earliest (14 after an early start).
SCHOOL_STATUS_MIN_AGE = {
    SchoolStatus.KINDERGARTEN: 2,
    SchoolStatus.IN_SCHOOL: 5,
    SchoolStatus.DROPPED_OUT: 5,
    SchoolStatus.NOT_IN_SCHOOL: 14,
}
# A child younger than this cannot be living alone: such a child found alone is an emergency
# to report (reportConcern), not a living arrangement. Older children living alone stay
# recordable: they are what mandatory reporting is about.
LIVING_ALONE_MIN_AGE = 6


def check_age_fits(
    birth_date: date,
    school_status: SchoolStatus,
    living_arrangement: LivingArrangement,
    today: date,
) -> list[Problem]:
    """A school status and a living arrangement the child is old enough for (AGE_MISMATCH).

    Only what is impossible at the child's age is refused (SCHOOL_STATUS_MIN_AGE,
    LIVING_ALONE_MIN_AGE); a birth date in the future is check_age_range's to report.
    """
    if birth_date > today:
        return []
    age = age_on(birth_date, today)
    found = []
    if age < SCHOOL_STATUS_MIN_AGE.get(school_status, 0):
        found.append(
            Problem("AGE_MISMATCH", "schoolStatus", "the child is too young for this school status")
        )
    if living_arrangement is LivingArrangement.ALONE and age < LIVING_ALONE_MIN_AGE:
        found.append(
            Problem(
                "AGE_MISMATCH",
                "livingArrangement",
                "a child under 6 cannot live alone: report a concern instead",
            )
        )
    return found


def check_visit_kind(kind: VisitKind, *, by_ngo: bool, names_case: bool) -> list[Problem]:
    """What a visit's kind asks of it: an NGO records NGO_SERVICE visits and only an NGO
    does (FORBIDDEN); a CASE_FOLLOW_UP visit names its case (REQUIRED caseId)."""
    found = []
    if by_ngo and kind is not VisitKind.NGO_SERVICE:
        found.append(Problem("FORBIDDEN", "kind", "an NGO records NGO_SERVICE visits"))
    if not by_ngo and kind is VisitKind.NGO_SERVICE:
        found.append(Problem("FORBIDDEN", "kind", "only an NGO records NGO_SERVICE visits"))
    if kind is VisitKind.CASE_FOLLOW_UP and not names_case:
        found.append(Problem("REQUIRED", "caseId", "a case follow-up visit names its case"))
    return found


@dataclass(frozen=True)
class ChildIdentity:
    """What tells two children of one household apart."""

    name: str
    birth_date: date
    gender: Gender
    id_number: str | None


def same_child(a: ChildIdentity, b: ChildIdentity) -> bool:
    """Whether two entries of one household are the same child: the same name (ignoring
    surrounding spaces), birth date and gender, unless both have ID numbers and they
    differ (then the ID numbers decide; equal ones are the ID number check's to report)."""
    if a.id_number and b.id_number and a.id_number != b.id_number:
        return False
    return (a.name.strip(), a.birth_date, a.gender) == (b.name.strip(), b.birth_date, b.gender)
