"""A child's school: which organizations a file may name as the school a child attends, and
the teacher in charge of a pupil."""

from __future__ import annotations

import uuid

from app.domain.validation import Problem, check_length, check_phone, problems
from app.enums import OrganizationKind


def check_school(
    school_id: uuid.UUID,
    kind: OrganizationKind | None,
    *,
    calling_school: uuid.UUID | None = None,
) -> Problem | None:
    """The school named must be an organization of kind school (`kind` None: none on file);
    a school (`calling_school`, its organization) may name only itself, since the school
    named receives the pupil's absences and sees its categories."""
    if kind is not OrganizationKind.SCHOOL:
        return Problem("INVALID", "schoolId", "not a school")
    if calling_school is not None and school_id != calling_school:
        return Problem("FORBIDDEN", "schoolId", "a school may name only itself as a pupil's school")
    return None


# What a school may change of its pupil's file (authz/pupils.py): the teacher in charge only.
TEACHER_FIELDS = ("teacher_in_charge_name", "teacher_in_charge_phone")
MAX_TEACHER_NAME = 50


def check_teacher_in_charge(name: str | None, phone: str | None) -> list[Problem]:
    """The teacher who looks after a pupil (教师联系帮扶): a name of at most 50 characters
    and a valid phone, if any; a phone alone names no one."""
    return problems(
        check_length(name, "teacherInChargeName", MAX_TEACHER_NAME),
        check_phone(phone, "teacherInChargePhone"),
        Problem("REQUIRED", "teacherInChargeName", "the teacher's name with the phone")
        if phone and phone.strip() and not (name and name.strip())
        else None,
    )
