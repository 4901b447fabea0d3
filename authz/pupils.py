"""What a school may change of its pupils' files: the teacher in charge, and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from app.domain.schools import TEACHER_FIELDS
from authz.scope import Scope


def school_edit(
    scope: Scope, area_code: str, school_id: uuid.UUID | None, fields: Collection[str]
) -> bool:
    """Whether the scope changes `fields` of a child's file (in `area_code`, naming
    `school_id` as its school) as the pupil's school rather than as the file's staff: it may
    not write the file, holds `teacher_in_charge write` in the child's area, the file names
    its own organization, and the fields are the teacher in charge's only."""
    organization = scope.principal.organization_id
    return (
        not scope.allows("child_file", "write", area_code)
        and scope.allows("teacher_in_charge", "write", area_code)
        and organization is not None
        and school_id == organization
        and set(fields) <= set(TEACHER_FIELDS)
    )
