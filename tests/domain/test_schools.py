"""Which organization a child's file may name as its school."""

from __future__ import annotations

import uuid

import pytest

from app.domain.schools import check_school
from app.enums import OrganizationKind

SCHOOL, OTHER = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    ("kind", "calling_school", "code"),
    [
        (OrganizationKind.SCHOOL, None, None),  # village staff name any school
        (OrganizationKind.SCHOOL, SCHOOL, None),  # a school names itself
        (OrganizationKind.SCHOOL, OTHER, "FORBIDDEN"),  # a school names another
        (OrganizationKind.CIVIL_AFFAIRS_BUREAU, None, "INVALID"),
        (OrganizationKind.EDUCATION_BUREAU, None, "INVALID"),
        (None, None, "INVALID"),  # no such organization
    ],
)
def test_only_a_school_and_for_a_school_only_itself(
    kind: OrganizationKind | None, calling_school: uuid.UUID | None, code: str | None
) -> None:
    problem = check_school(SCHOOL, kind, calling_school=calling_school)
    assert (problem and problem.code) == code
    assert problem is None or problem.field == "schoolId"
