"""The rules a child's file keeps (issue 11's validation gaps): visits after birth, real
provinces, one father and one mother, ages that fit, visit kinds, one entry per child, no
statistics for days to come."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.validation import (
    LIVING_ALONE_MIN_AGE,
    ChildIdentity,
    check_age_fits,
    check_day_not_future,
    check_not_before_birth,
    check_parent_relations,
    check_province_code,
    check_visit_kind,
    same_child,
)
from app.enums import Gender, LivingArrangement, ParentRelation, SchoolStatus, VisitKind

TODAY = date(2026, 6, 15)
FATHER, MOTHER = ParentRelation.FATHER, ParentRelation.MOTHER
PROVINCES = frozenset({"11", "42", "44", "65"})


@pytest.mark.parametrize(
    ("day", "code"),
    [(date(2026, 6, 14), None), (TODAY, None), (date(2026, 6, 16), "FUTURE_DATE"), (None, None)],
)
def test_day_not_future(day: date | None, code: str | None) -> None:
    problem = check_day_not_future(day, "asOf", TODAY)
    assert (problem and (problem.code, problem.field)) == (code and (code, "asOf"))


@pytest.mark.parametrize(
    ("day", "code"),
    [(date(2020, 3, 1), None), (date(2020, 3, 2), None), (date(2020, 2, 29), "BEFORE_BIRTH")],
)
def test_not_before_birth(day: date, code: str | None) -> None:
    problem = check_not_before_birth(day, date(2020, 3, 1), "visitedAt")
    assert (problem and (problem.code, problem.field)) == (code and (code, "visitedAt"))


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        (None, True),
        ("44", True),
        ("42", True),
        ("99", False),  # two digits, but no such province
        ("ZZ", False),
        ("4", False),
        ("420", False),
        ("4201", False),  # a city, not a province
        ("", False),
        (" 44", False),
    ],
)
def test_province_code(code: str | None, valid: bool) -> None:
    problem = check_province_code(code, "parents.0.workProvinceCode", PROVINCES)
    if valid:
        assert problem is None
    else:
        assert problem is not None
        assert (problem.code, problem.field) == ("INVALID_AREA", "parents.0.workProvinceCode")


@pytest.mark.parametrize(
    ("given", "on_file", "duplicates"),
    [
        ([FATHER, MOTHER], [], []),
        ([MOTHER], [], []),
        ([], [FATHER, FATHER], []),  # only what is given is judged
        ([FATHER, FATHER], [], [1]),
        ([MOTHER, FATHER, MOTHER, MOTHER], [], [2, 3]),
        ([FATHER], [MOTHER], []),
        ([FATHER], [FATHER, MOTHER], [0]),
        ([MOTHER, FATHER], [FATHER], [1]),
    ],
)
def test_one_father_and_one_mother(
    given: list[ParentRelation], on_file: list[ParentRelation], duplicates: list[int]
) -> None:
    found = check_parent_relations(
        [(f"parents.{i}.relation", r) for i, r in enumerate(given)], on_file
    )
    assert [(p.code, p.field) for p in found] == [
        ("DUPLICATE_PARENT", f"parents.{i}.relation") for i in duplicates
    ]


def _born(age: int) -> date:
    """A birth date giving `age` completed years on TODAY (birthday just passed)."""
    return date(TODAY.year - age, TODAY.month, TODAY.day)


@pytest.mark.parametrize(
    ("age", "status", "fits"),
    [
        (0, SchoolStatus.NOT_SCHOOL_AGE, True),
        (1, SchoolStatus.KINDERGARTEN, False),
        (2, SchoolStatus.KINDERGARTEN, True),
        (3, SchoolStatus.IN_SCHOOL, False),
        (4, SchoolStatus.DROPPED_OUT, False),
        (5, SchoolStatus.IN_SCHOOL, True),
        (5, SchoolStatus.DROPPED_OUT, True),
        (6, SchoolStatus.IN_SCHOOL, True),
        (13, SchoolStatus.NOT_IN_SCHOOL, False),
        (14, SchoolStatus.NOT_IN_SCHOOL, True),
        (17, SchoolStatus.NOT_IN_SCHOOL, True),
        (17, SchoolStatus.IN_SCHOOL, True),
        # Deferred school entry exists (缓学): not of school age is never refused.
        (9, SchoolStatus.NOT_SCHOOL_AGE, True),
    ],
)
def test_school_status_fits_the_age(age: int, status: SchoolStatus, fits: bool) -> None:
    found = check_age_fits(_born(age), status, LivingArrangement.WITH_PARENTS, TODAY)
    assert [(p.code, p.field) for p in found] == (
        [] if fits else [("AGE_MISMATCH", "schoolStatus")]
    )


@pytest.mark.parametrize(
    ("age", "fits"),
    [(0, False), (3, False), (LIVING_ALONE_MIN_AGE - 1, False), (6, True), (15, True)],
)
def test_living_alone_fits_the_age(age: int, fits: bool) -> None:
    found = check_age_fits(_born(age), SchoolStatus.NOT_SCHOOL_AGE, LivingArrangement.ALONE, TODAY)
    assert [(p.code, p.field) for p in found] == (
        [] if fits else [("AGE_MISMATCH", "livingArrangement")]
    )


def test_the_3_year_old_in_school_living_alone_gets_both_problems() -> None:
    found = check_age_fits(_born(3), SchoolStatus.IN_SCHOOL, LivingArrangement.ALONE, TODAY)
    assert [p.field for p in found] == ["schoolStatus", "livingArrangement"]
    # One day short of 5 is 4 years old.
    almost = date(TODAY.year - 5, TODAY.month, TODAY.day + 1)
    assert check_age_fits(almost, SchoolStatus.IN_SCHOOL, LivingArrangement.WITH_PARENTS, TODAY)
    # A birth date in the future is another check's problem.
    assert check_age_fits(date(2027, 1, 1), SchoolStatus.IN_SCHOOL, LivingArrangement.ALONE,
                          TODAY) == []  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "by_ngo", "names_case", "expected"),
    [
        (VisitKind.ROUTINE, False, False, []),
        (VisitKind.ROUTINE, False, True, []),
        (VisitKind.NGO_SERVICE, True, False, []),
        (VisitKind.NGO_SERVICE, False, False, [("FORBIDDEN", "kind")]),
        (VisitKind.ROUTINE, True, False, [("FORBIDDEN", "kind")]),
        (VisitKind.CASE_FOLLOW_UP, False, True, []),
        (VisitKind.CASE_FOLLOW_UP, False, False, [("REQUIRED", "caseId")]),
        (VisitKind.CASE_FOLLOW_UP, True, False, [("FORBIDDEN", "kind"), ("REQUIRED", "caseId")]),
    ],
)
def test_visit_kind(
    kind: VisitKind, by_ngo: bool, names_case: bool, expected: list[tuple[str, str]]
) -> None:
    found = check_visit_kind(kind, by_ngo=by_ngo, names_case=names_case)
    assert [(p.code, p.field) for p in found] == expected


BIRTH = date(2018, 2, 3)
ENTRY = ChildIdentity("王小红", BIRTH, Gender.FEMALE, None)


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (ChildIdentity("王小红", BIRTH, Gender.FEMALE, None), True),
        (ChildIdentity(" 王小红 ", BIRTH, Gender.FEMALE, None), True),
        (ChildIdentity("王小红", BIRTH, Gender.FEMALE, "420702201802030028"), True),
        (ChildIdentity("王小兰", BIRTH, Gender.FEMALE, None), False),  # a twin sister
        (ChildIdentity("王小红", BIRTH, Gender.MALE, None), False),
        (ChildIdentity("王小红", date(2018, 2, 4), Gender.FEMALE, None), False),
    ],
)
def test_same_child(other: ChildIdentity, same: bool) -> None:
    assert same_child(ENTRY, other) is same
    assert same_child(other, ENTRY) is same


def test_different_id_numbers_are_different_children() -> None:
    a = ChildIdentity("王小红", BIRTH, Gender.FEMALE, "420702201802030028")
    b = ChildIdentity("王小红", BIRTH, Gender.FEMALE, "420702201802030044")
    assert not same_child(a, b)
    assert same_child(a, a)
