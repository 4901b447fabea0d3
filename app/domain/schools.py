"""A child's school: which organizations a file may name as the school a child attends."""

from __future__ import annotations

import uuid

from app.domain.validation import Problem
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
