"""Field-level rules: how much of a sensitive field a scope may see on a row it can read."""

from __future__ import annotations

from enum import Enum

from authz.predicates import CASE_RECORD_PERMISSIONS
from authz.scope import Scope


class Disclosure(Enum):
    """How a sensitive value is shown."""

    FULL = "full"
    MASKED = "masked"
    NONE = "none"


def id_number_disclosure(scope: Scope, area_code: str) -> Disclosure:
    """ID numbers: in full to the child's own village and township staff; masked to staff who
    handle the child's file or case otherwise; not at all to schools and NGOs."""
    if scope.allows("id_number", "read", area_code):
        return Disclosure.FULL
    if scope.allows("child_file", "read", area_code) or any(
        scope.can(obj, act) for obj, act in CASE_RECORD_PERMISSIONS
    ):
        return Disclosure.MASKED
    return Disclosure.NONE


class ChildView(Enum):
    """How much of a child's file a caller gets, decided once per child, not per field."""

    FULL = "full"  # the area's own staff, and staff handling the child's case
    SERVICE = "service"  # an NGO under contract: what a service visit needs
    STUDENT = "student"  # a school: its own pupil's name and schooling


def child_view(scope: Scope, area_code: str) -> ChildView:
    """The view of a child in `area_code` the scope gets (it can already see the row)."""
    if scope.allows("child_file", "read", area_code) or any(
        scope.can(obj, act) for obj, act in CASE_RECORD_PERMISSIONS
    ):
        return ChildView.FULL
    if scope.can("contracted_child", "read"):
        return ChildView.SERVICE
    return ChildView.STUDENT
