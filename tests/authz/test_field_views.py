"""The views of a child a caller may get, and so the fields it may filter by (authz/fields.py),
for callers whose grants mix views: decided per caller, never more than every child shows."""

from __future__ import annotations

import uuid

from app.enums import Role
from authz.fields import (
    CHILD_FIELDS,
    SHOWN,
    ChildView,
    child_view,
    hidden_fields,
    possible_views,
)
from authz.patterns import AreaPattern
from authz.scope import Principal, Scope

VILLAGE = "420702100201"
OTHER_VILLAGE = "420702100202"


def scope(*permissions: tuple[str, str, str]) -> Scope:
    granted: dict[tuple[str, str], tuple[AreaPattern, ...]] = {}
    for obj, act, pattern in permissions:
        granted[(obj, act)] = (*granted.get((obj, act), ()), AreaPattern.parse(pattern))
    principal = Principal(
        label="test", role=Role.NGO, area_code="420702", organization_id=uuid.uuid4()
    )
    return Scope(principal=principal, permissions=granted)


def test_each_view_is_what_child_view_gives_where_it_applies() -> None:
    village = scope(("child_file", "read", f"{VILLAGE}*"))
    assert possible_views(village) == {ChildView.FULL}
    ngo = scope(("contracted_child", "read", "420702*"))
    assert possible_views(ngo) == {ChildView.SERVICE} == {child_view(ngo, VILLAGE)}
    school = scope(("student", "read", "420702100*"))
    assert possible_views(school) == {ChildView.STUDENT} == {child_view(school, VILLAGE)}
    county = scope(("referred_case", "read", "420702*"))
    assert possible_views(county) == {ChildView.FULL} == {child_view(county, VILLAGE)}
    assert possible_views(scope(("statistics", "read", "4207*"))) == set()


def test_a_caller_with_two_views_filters_only_by_what_both_show() -> None:
    # A village director who also serves children of another village for an NGO.
    mixed = scope(("child_file", "read", f"{VILLAGE}*"), ("contracted_child", "read", "420702*"))
    assert child_view(mixed, VILLAGE) is ChildView.FULL
    assert child_view(mixed, OTHER_VILLAGE) is ChildView.SERVICE
    assert possible_views(mixed) == {ChildView.FULL, ChildView.SERVICE}
    assert hidden_fields(mixed, ["is_key_child", "categories", "name"]) == ["is_key_child"]


def test_children_served_inside_the_callers_own_files_are_seen_in_full() -> None:
    covered = scope(
        ("child_file", "read", "420702100*"), ("contracted_child", "read", f"{VILLAGE}*")
    )
    assert possible_views(covered) == {ChildView.FULL}
    assert hidden_fields(covered, list(CHILD_FIELDS)) == []


def test_a_caller_who_sees_no_child_may_filter_an_empty_list() -> None:
    assert hidden_fields(scope(("statistics", "read", "42*")), list(CHILD_FIELDS)) == []


def test_the_table_read_both_ways_agrees() -> None:
    for name, views in CHILD_FIELDS.items():
        for view in ChildView:
            assert (name in SHOWN[view]) == (view in views)
    assert SHOWN[ChildView.FULL] == set(CHILD_FIELDS)
    assert "household_id" not in SHOWN[ChildView.SERVICE] | SHOWN[ChildView.STUDENT]
