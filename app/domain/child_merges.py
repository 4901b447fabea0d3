"""Merging two files of the same child: what may be merged, and what the kept file takes
from the duplicate (app/services/child_merges.py writes it).

Nothing a person typed is lost: the kept file's empty fields are filled from the duplicate,
its filled ones are never overwritten (a different value on the duplicate is a conflict the
merge reports), flags set on either file stay set, and recorded reasons are both files'. Two
different ID numbers cannot be one child: that merge is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from app.domain.validation import Problem
from app.enums import ChildStatus


class MergeRule(Enum):
    """How a field of the kept file takes the duplicate's value."""

    KEEP = "keep"  # the kept file's value stands; a different one is a conflict
    FILL = "fill"  # the duplicate's, when the kept file's is empty; else as KEEP
    EITHER = "either"  # a flag: set when either file sets it
    UNION = "union"  # a list: the entries of both files


# Each field a person types on a child's file (the service's ChildData, but the household:
# the kept file stays in its own) → its rule.
MERGE_RULES: Mapping[str, MergeRule] = {
    "name": MergeRule.KEEP,
    "gender": MergeRule.KEEP,
    "birth_date": MergeRule.KEEP,
    "living_arrangement": MergeRule.KEEP,
    "school_status": MergeRule.KEEP,
    "id_number": MergeRule.FILL,
    # Kept, but cleared when the kept file gains an ID number (merged_file).
    "no_household_registration": MergeRule.KEEP,
    "school_id": MergeRule.FILL,
    # Only with its school: a student number means nothing at another school (merged_file).
    "student_number": MergeRule.FILL,
    "missing_since": MergeRule.FILL,
    "disability": MergeRule.EITHER,
    "serious_illness": MergeRule.EITHER,
    "safety_risk": MergeRule.EITHER,
    "scattered_orphan": MergeRule.EITHER,
    "recorded_key_reasons": MergeRule.UNION,
    "teacher_in_charge_name": MergeRule.FILL,
    # Only with its teacher: a phone belongs to the teacher named beside it (merged_file).
    "teacher_in_charge_phone": MergeRule.FILL,
}


@dataclass(frozen=True)
class MergedFile:
    """What the merge changes on the kept file (snake_case field → value) and the fields both
    files hold with different values, where the kept file's stood."""

    changes: dict[str, object]
    conflicts: tuple[str, ...]


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def merged_file(kept: Mapping[str, object], duplicate: Mapping[str, object]) -> MergedFile:
    """The kept file after taking what the duplicate holds and it does not (MERGE_RULES):
    the fields that change, and the conflicts, in MERGE_RULES' order."""
    changes: dict[str, object] = {}
    conflicts: list[str] = []
    for name, rule in MERGE_RULES.items():
        mine, theirs = kept[name], duplicate[name]
        if rule is MergeRule.EITHER:
            if theirs and not mine:
                changes[name] = True
        elif rule is MergeRule.UNION:
            both = sorted({*_as_list(mine), *_as_list(theirs)}, key=str)
            if both != sorted(_as_list(mine), key=str):
                changes[name] = both
        elif rule is MergeRule.FILL and _empty(mine) and not _empty(theirs):
            changes[name] = theirs
        elif not _empty(theirs) and mine != theirs:
            conflicts.append(name)
    school = changes.get("school_id", kept["school_id"])
    if "student_number" in changes and school != duplicate["school_id"]:
        del changes["student_number"]
        conflicts.append("student_number")
    teacher = changes.get("teacher_in_charge_name", kept["teacher_in_charge_name"])
    if "teacher_in_charge_phone" in changes and teacher != duplicate["teacher_in_charge_name"]:
        del changes["teacher_in_charge_phone"]
        conflicts.append("teacher_in_charge_phone")
    if "id_number" in changes and kept["no_household_registration"]:
        changes["no_household_registration"] = False
    if "no_household_registration" in conflicts:
        # A child without household registration on one file and with it on the other: the
        # ID number decides, whichever file it came from.
        conflicts.remove("no_household_registration")
    return MergedFile(changes, tuple(sorted(conflicts, key=list(MERGE_RULES).index)))


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


@dataclass(frozen=True)
class MergeSubject:
    """What the merge rules need to know of one of the two files."""

    id: uuid.UUID
    status: ChildStatus
    merged: bool
    id_number: str | None


def merge_problem(kept: MergeSubject, duplicate: MergeSubject) -> Problem | None:
    """Why the duplicate may not be merged into the kept file, if it may not (the first
    reason): the same file twice, a file already merged, a kept file not on file, or two
    different ID numbers."""
    if kept.id == duplicate.id:
        return Problem("MERGE_SAME_CHILD", "duplicateId", "a file cannot be merged into itself")
    if duplicate.merged:
        return Problem(
            "ALREADY_MERGED", "duplicateId", "the file has already been merged into another"
        )
    if kept.merged:
        return Problem("ALREADY_MERGED", "childId", "the file has already been merged into another")
    if kept.status is ChildStatus.ARCHIVED:
        return Problem("CHILD_ARCHIVED", "childId", "the child's file is archived")
    if kept.status is not ChildStatus.ACTIVE:
        return Problem("INVALID", "childId", "merge into a child's file on file")
    if kept.id_number and duplicate.id_number and kept.id_number != duplicate.id_number:
        return Problem(
            "DIFFERENT_ID_NUMBERS",
            "duplicateId",
            "the two files hold different ID numbers: correct the wrong one before merging",
        )
    return None
