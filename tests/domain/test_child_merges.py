"""What may be merged, and what the kept file takes from the duplicate."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from app.domain.child_merges import MergeSubject, merge_problem, merged_file
from app.enums import ChildStatus, Gender, KeyChildReason, LivingArrangement, SchoolStatus

SCHOOL, OTHER_SCHOOL = uuid.uuid4(), uuid.uuid4()
FILE: dict[str, Any] = {
    "name": "王小明",
    "gender": Gender.MALE,
    "birth_date": date(2016, 5, 20),
    "living_arrangement": LivingArrangement.WITH_ONE_PARENT,
    "school_status": SchoolStatus.IN_SCHOOL,
    "id_number": None,
    "no_household_registration": True,
    "school_id": None,
    "student_number": None,
    "missing_since": None,
    "disability": False,
    "serious_illness": False,
    "safety_risk": False,
    "scattered_orphan": False,
    "recorded_key_reasons": [],
    "teacher_in_charge_name": None,
    "teacher_in_charge_phone": None,
}
NUMBER = "420702201605209516"


@pytest.mark.parametrize(
    ("kept", "duplicate", "changes", "conflicts"),
    [
        # Identical files: nothing to take, nothing in conflict.
        ({}, {}, {}, ()),
        # An empty field is filled; a filled one is never overwritten, and says so.
        ({}, {"missing_since": date(2026, 11, 1)}, {"missing_since": date(2026, 11, 1)}, ()),
        ({}, {"name": "王晓明"}, {}, ("name",)),
        ({}, {"birth_date": date(2016, 5, 21), "gender": Gender.FEMALE}, {},
         ("gender", "birth_date")),
        ({"missing_since": date(2026, 10, 1)}, {"missing_since": date(2026, 11, 1)}, {},
         ("missing_since",)),
        # The ID number fills an empty one, and the file has household registration then.
        ({}, {"id_number": NUMBER, "no_household_registration": False},
         {"id_number": NUMBER, "no_household_registration": False}, ()),
        ({"id_number": NUMBER, "no_household_registration": False}, {}, {}, ()),
        # Flags set on either file stay set; recorded reasons are both files'.
        ({}, {"disability": True}, {"disability": True}, ()),
        ({"safety_risk": True}, {}, {}, ()),
        ({"recorded_key_reasons": [KeyChildReason.PARENT_SUBSTANCE_ABUSE]},
         {"recorded_key_reasons": [KeyChildReason.PARENT_IMPRISONED]},
         {"recorded_key_reasons": sorted(
             [KeyChildReason.PARENT_SUBSTANCE_ABUSE, KeyChildReason.PARENT_IMPRISONED], key=str)},
         ()),
        ({"recorded_key_reasons": [KeyChildReason.PARENT_SUBSTANCE_ABUSE]},
         {"recorded_key_reasons": [KeyChildReason.PARENT_SUBSTANCE_ABUSE]}, {}, ()),
        # A school and its student number come together; a number of another school does not.
        ({}, {"school_id": SCHOOL, "student_number": "S1"},
         {"school_id": SCHOOL, "student_number": "S1"}, ()),
        ({"school_id": SCHOOL}, {"school_id": SCHOOL, "student_number": "S1"},
         {"student_number": "S1"}, ()),
        ({"school_id": OTHER_SCHOOL}, {"school_id": SCHOOL, "student_number": "S1"}, {},
         ("school_id", "student_number")),
        # A teacher's phone comes with its teacher; another teacher's phone does not.
        ({}, {"teacher_in_charge_name": "李老师", "teacher_in_charge_phone": "13800000000"},
         {"teacher_in_charge_name": "李老师", "teacher_in_charge_phone": "13800000000"}, ()),
        ({"teacher_in_charge_name": "张老师"},
         {"teacher_in_charge_name": "李老师", "teacher_in_charge_phone": "13800000000"}, {},
         ("teacher_in_charge_name", "teacher_in_charge_phone")),
    ],
)  # fmt: skip
def test_the_kept_file_gains_what_it_lacks_and_keeps_what_it_has(
    kept: dict[str, Any],
    duplicate: dict[str, Any],
    changes: dict[str, Any],
    conflicts: tuple[str, ...],
) -> None:
    merged = merged_file(FILE | kept, FILE | duplicate)
    assert merged.changes == changes
    assert merged.conflicts == conflicts


KEPT, DUPLICATE = uuid.uuid4(), uuid.uuid4()


def _subject(
    key: uuid.UUID,
    status: ChildStatus = ChildStatus.ACTIVE,
    merged: bool = False,
    id_number: str | None = None,
) -> MergeSubject:
    return MergeSubject(key, status, merged, id_number)


@pytest.mark.parametrize(
    ("kept", "duplicate", "problem"),
    [
        (_subject(KEPT), _subject(DUPLICATE), None),
        (_subject(KEPT, id_number=NUMBER), _subject(DUPLICATE, id_number=NUMBER), None),
        (_subject(KEPT, id_number=NUMBER), _subject(DUPLICATE), None),
        (_subject(KEPT), _subject(DUPLICATE, ChildStatus.PROVISIONAL), None),
        (_subject(KEPT), _subject(DUPLICATE, ChildStatus.ARCHIVED), None),
        (_subject(KEPT), _subject(KEPT), ("MERGE_SAME_CHILD", "duplicateId")),
        (_subject(KEPT), _subject(DUPLICATE, ChildStatus.ARCHIVED, merged=True),
         ("ALREADY_MERGED", "duplicateId")),
        (_subject(KEPT, ChildStatus.ARCHIVED, merged=True), _subject(DUPLICATE),
         ("ALREADY_MERGED", "childId")),
        (_subject(KEPT, ChildStatus.ARCHIVED), _subject(DUPLICATE), ("CHILD_ARCHIVED", "childId")),
        (_subject(KEPT, ChildStatus.PROVISIONAL), _subject(DUPLICATE), ("INVALID", "childId")),
        (_subject(KEPT, id_number=NUMBER), _subject(DUPLICATE, id_number="420702201605209532"),
         ("DIFFERENT_ID_NUMBERS", "duplicateId")),
    ],
)  # fmt: skip
def test_what_may_not_be_merged(
    kept: MergeSubject, duplicate: MergeSubject, problem: tuple[str, str] | None
) -> None:
    found = merge_problem(kept, duplicate)
    assert (None if found is None else (found.code, found.field)) == problem
