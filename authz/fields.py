"""Field-level rules: how much of a child's file a scope may see on a row it can read, and
so which fields it may filter, sort, search or count children by.

One table (`CHILD_FIELDS`) says which view shows which field of a child. The output reads it
(schema/children/types.py nulls what the caller's view hides), and so do the filters: a list
may be narrowed by a field only when every child the caller could get shows that field
(`hidden_fields`), because a filter on a hidden field would give away its value (the children
a school gets with `keyChild: true` are its key children, whatever `isKeyChild` says).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import ColumnElement, not_, or_
from sqlalchemy.sql.elements import False_, True_

from app.domain.search import Kind
from authz.patterns import AreaPattern
from authz.predicates import CASE_RECORD_PERMISSIONS, area_in
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
    STUDENT = "student"  # a school: its own pupil's name, schooling, categories and teacher


_EVERY = frozenset(ChildView)
_FULL = frozenset({ChildView.FULL})
_SERVICE = frozenset({ChildView.FULL, ChildView.SERVICE})
_STUDENT = frozenset({ChildView.FULL, ChildView.STUDENT})

# Each field of a child (as the model and the Child type name it, snake_case) → the views
# that show it. The ID number has its own rule (id_number_disclosure): no filter reads it.
CHILD_FIELDS: Mapping[str, frozenset[ChildView]] = {
    "id": _EVERY,
    "area_code": _EVERY,
    "name": _EVERY,
    "gender": _EVERY,
    "status": _EVERY,
    "version": _EVERY,
    "updated_at": _EVERY,
    "age": _EVERY,
    "archived_reason": _EVERY,
    # Which household a child belongs to tells siblings apart: the file's own staff only.
    "household_id": _FULL,
    # An NGO gets the age a visit needs, not the birth date that identifies a child.
    "birth_date": _FULL,
    "school_status": _STUDENT,
    "student_number": _STUDENT,
    "living_arrangement": _SERVICE,
    # A school knows which of its pupils are left-behind or in difficulty, to look after them.
    "categories": _EVERY,
    "next_visit_due": _SERVICE,
    "visit_overdue": _SERVICE,
    "last_visit_at": _SERVICE,
    "is_key_child": _FULL,
    # Whether a child is missing is the police's and the file's staff's to know.
    "missing_since": _FULL,
    "key_child_reasons": _FULL,
    "recorded_key_reasons": _FULL,
    "no_household_registration": _FULL,
    "disability": _FULL,
    "serious_illness": _FULL,
    "safety_risk": _FULL,
    "scattered_orphan": _FULL,
    "has_confirmed_guardian": _FULL,
    # The school is the pupil's own (a school sees its own id); an NGO's service visit needs
    # neither the school nor the teacher in charge and their phone (minimisation).
    "school_id": _STUDENT,
    "teacher_in_charge": _STUDENT,
    # A merged file says where it went to whoever still holds its id (app/services/child_merges).
    "merged_into_id": _EVERY,
    "merged_at": _EVERY,
}

SHOWN: Mapping[ChildView, frozenset[str]] = {
    view: frozenset(name for name, views in CHILD_FIELDS.items() if view in views)
    for view in ChildView
}
"""The fields each view shows (the table above, read the other way)."""

HIDDEN: Mapping[ChildView, Mapping[str, None]] = {
    view: {name: None for name in CHILD_FIELDS if name not in SHOWN[view]} for view in ChildView
}
"""The fields each view hides, as the null values they are shown as."""


def child_view(scope: Scope, area_code: str) -> ChildView:
    """The view of a child in `area_code` the scope gets (it can already see the row)."""
    if scope.allows("child_file", "read", area_code) or _handles_cases(scope):
        return ChildView.FULL
    return _lesser_view(scope)


def child_maker_shown(scope: Scope, area_code: str) -> bool:
    """Whether who registered a child's file (`registeredBy`) is shown to the scope, which
    can see the child: with the full view only (the area's staff and case handlers, who keep
    the file). A school or an NGO gets what its pupil or its service needs, not the names of
    the file's keepers (as it gets no household either). No filter or sort reads it."""
    return child_view(scope, area_code) is ChildView.FULL


Condition = ColumnElement[bool] | bool
"""A rule in SQL for the compiled read path: a constant when the scope decides it alone."""


def _constant(condition: ColumnElement[bool]) -> Condition:
    if isinstance(condition, False_):
        return False
    if isinstance(condition, True_):
        return True
    return condition


def full_view_where(scope: Scope, area_code: ColumnElement[str]) -> Condition:
    """`child_view(scope, area_code) is ChildView.FULL`, in SQL."""
    if _handles_cases(scope):
        return True
    return _constant(area_in(area_code, scope.patterns("child_file", "read")))


def shown_where(scope: Scope, name: str, area_code: ColumnElement[str]) -> Condition:
    """Whether the scope's view of a child in `area_code` shows its field `name`, in SQL:
    the rule of `child_view` and CHILD_FIELDS, for the compiled read path."""
    views = CHILD_FIELDS[name]
    in_full, in_lesser = ChildView.FULL in views, _lesser_view(scope) in views
    if in_full and in_lesser:
        return True
    if not in_full and not in_lesser:
        return False
    full = full_view_where(scope, area_code)
    if isinstance(full, bool):
        return full if in_full else not full
    return full if in_full else not_(full)


def id_number_where(scope: Scope, area_code: ColumnElement[str]) -> tuple[Condition, Condition]:
    """`id_number_disclosure` in SQL: (shown in full, shown at all: in full or masked)."""
    full = _constant(area_in(area_code, scope.patterns("id_number", "read")))
    if full is True or _handles_cases(scope):
        return full, True
    files = _constant(area_in(area_code, scope.patterns("child_file", "read")))
    if full is False or isinstance(files, bool):
        return full, files if full is False else (True if files else full)
    return full, or_(full, files)


def _handles_cases(scope: Scope) -> bool:
    # Staff who handle cases get the full view of every child they can see (through a case).
    return any(scope.can(obj, act) for obj, act in CASE_RECORD_PERMISSIONS)


def _lesser_view(scope: Scope) -> ChildView:
    # A child seen neither through the caller's files nor a case: a pupil or a served child.
    return ChildView.SERVICE if scope.can("contracted_child", "read") else ChildView.STUDENT


def possible_views(scope: Scope) -> frozenset[ChildView]:
    """Every view `child_view` can give this scope of a child it can see (a superset: it is
    decided per caller, not per child, so that a filter is judged before any row is read).

    A child is seen through the caller's own files (FULL), a case (FULL), as a school's pupil
    or an NGO's contracted child; the last two only outside the caller's own files give a
    lesser view. A caller who can see no child at all has no view.
    """
    if _handles_cases(scope):
        return _FULL
    files = scope.patterns("child_file", "read")
    views: set[ChildView] = {ChildView.FULL} if files else set()
    for obj in ("student", "contracted_child"):
        if any(not any(f.intersect(p) == p for f in files) for p in scope.patterns(obj, "read")):
            views.add(_lesser_view(scope))
    return frozenset(views)


def hidden_fields(scope: Scope, names: Iterable[str]) -> list[str]:
    """Those of the child's fields `names` that some view the scope may get hides: fields it
    may not filter, sort, search or count children by."""
    views = possible_views(scope)
    return [name for name in names if not views <= CHILD_FIELDS[name]]


def reporter_shown(scope: Scope, area_code: str, *, protected: bool) -> bool:
    """Whether a case's reporter (who, for which unit) is shown to the scope, which can see
    the case: to staff whose duty needs it (`reporter read`: the area's civil-affairs staff,
    the protection centre, the police), never to schools or NGOs; a member of the public
    (`protected`, app/domain/case_facts.reporter_is_protected) only to county civil affairs
    and the police (`public_reporter read`)."""
    return scope.allows("public_reporter" if protected else "reporter", "read", area_code)


# What a search (app/domain/search.py) reads of a child, by the kind of key → the field of
# CHILD_FIELDS it reads: a caller searches only by the fields every view it may get shows.
# Phones are the parents' (the household's file); ID numbers follow `id_number_disclosure`.
CHILD_SEARCH_READS: Mapping[Kind, str] = {
    Kind.NAME: "name",
    Kind.STUDENT_NUMBER: "student_number",
    Kind.PHONE: "household_id",
}


@dataclass(frozen=True)
class SearchRule:
    """What a caller's search of children may match: the kinds of key, and the areas where
    an ID number matches (only where the caller is shown ID numbers in full)."""

    kinds: frozenset[Kind]
    id_number_areas: tuple[AreaPattern, ...]


def child_search_rule(scope: Scope) -> SearchRule:
    """How a scope may search children: never by a field a view it may get hides, and by
    ID number only in the areas whose children's ID numbers it sees in full (a masked or
    hidden number must not be confirmed by a search that finds it)."""
    hidden = set(hidden_fields(scope, CHILD_SEARCH_READS.values()))
    kinds = {kind for kind, name in CHILD_SEARCH_READS.items() if name not in hidden}
    areas = scope.patterns("id_number", "read")
    if areas:
        kinds.add(Kind.ID_NUMBER)
    return SearchRule(frozenset(kinds), areas)


def household_search_rule(scope: Scope) -> SearchRule:
    """How a scope may search households: it sees households only as a file's staff, with
    their names and phones; never by ID number (households hold none of their own)."""
    return SearchRule(frozenset({Kind.NAME, Kind.PHONE}), ())
