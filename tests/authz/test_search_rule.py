"""What each caller's search of children may match (authz/fields.child_search_rule): only the
fields every view it may get shows, ID numbers only where it sees them in full."""

from __future__ import annotations

import uuid

import pytest

from app.domain.search import Kind
from app.enums import Role
from authz.fields import child_search_rule
from authz.patterns import AreaPattern
from authz.scope import Principal, Scope

VILLAGE = "420702100201"


def scope(*permissions: tuple[str, str, str]) -> Scope:
    granted: dict[tuple[str, str], tuple[AreaPattern, ...]] = {}
    for obj, act, pattern in permissions:
        granted[(obj, act)] = (*granted.get((obj, act), ()), AreaPattern.parse(pattern))
    principal = Principal(
        label="test", role=Role.NGO, area_code="420702", organization_id=uuid.uuid4()
    )
    return Scope(principal=principal, permissions=granted)


@pytest.mark.parametrize(
    ("caller", "kinds"),
    [
        (
            scope(("child_file", "read", f"{VILLAGE}*"), ("id_number", "read", f"{VILLAGE}*")),
            {Kind.NAME, Kind.STUDENT_NUMBER, Kind.PHONE, Kind.ID_NUMBER},
        ),
        (scope(("student", "read", "420702100*")), {Kind.NAME, Kind.STUDENT_NUMBER}),
        (scope(("contracted_child", "read", "420702*")), {Kind.NAME}),
        # Staff who see a file but not its ID number in full (masked) do not search by it.
        (
            scope(("child_file", "read", f"{VILLAGE}*")),
            {Kind.NAME, Kind.STUDENT_NUMBER, Kind.PHONE},
        ),
        # A village director who also serves another village for an NGO: what both show.
        (
            scope(
                ("child_file", "read", f"{VILLAGE}*"), ("id_number", "read", f"{VILLAGE}*"),
                ("contracted_child", "read", "420702*"),
            ),
            {Kind.NAME, Kind.ID_NUMBER},
        ),
    ],
)  # fmt: skip
def test_a_search_matches_only_what_the_caller_is_shown(caller: Scope, kinds: set[Kind]) -> None:
    rule = child_search_rule(caller)
    assert rule.kinds == kinds
    if Kind.ID_NUMBER in kinds:
        assert rule.id_number_areas == caller.patterns("id_number", "read")
