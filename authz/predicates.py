"""The SQL predicate that decides which rows of each model a scope may read.

Every predicate is built from the scope's Casbin permissions; nothing here is decided per row
in Python. Area patterns are rendered as literals so the planner can use the prefix indexes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import False_

from app.enums import CaseCategory, CaseEventKind, OrganizationKind, ReferralStatus
from app.models import (
    AbsenceBatch,
    AbsenceRecord,
    AuditRead,
    Case,
    CaseEvent,
    CaseReferral,
    Child,
    ChildMove,
    ChildMoveRequest,
    DropoutStatus,
    DuplicateReport,
    Guardianship,
    Household,
    NgoContract,
    NgoContractChild,
    Organization,
    Parent,
    Task,
    User,
    Visit,
    WebhookSubscriber,
)
from app.models.base import AREA_CODE_LENGTH
from authz.patterns import AreaPattern
from authz.scope import Scope

# Every model whose rows belong to a child's file; rows of other models are not scoped here.
SCOPED_MODELS: tuple[type[Any], ...] = (
    Child,
    ChildMove,
    ChildMoveRequest,
    Household,
    Parent,
    Guardianship,
    Visit,
    Case,
    CaseEvent,
    CaseReferral,
    AbsenceRecord,
    AbsenceBatch,
    DropoutStatus,
    NgoContract,
    NgoContractChild,
    DuplicateReport,
    AuditRead,
    Task,
    WebhookSubscriber,
)

# The permissions that give access to a case together with its child's record.
CASE_RECORD_PERMISSIONS = (("case", "read"), ("police_case", "read"), ("referred_case", "read"))


def area_in(
    column: InstrumentedAttribute[Any] | ColumnElement[Any], patterns: tuple[AreaPattern, ...]
) -> ColumnElement[bool]:
    """`column` lies in one of the patterns (false when there are none).

    A prefix is written as a range with the pattern operators (`~>=~`, `~<~`) rather than as
    LIKE: under row-level security PostgreSQL may only use an index for leakproof operators,
    and LIKE is not one. The `varchar_pattern_ops` indexes serve these ranges.
    """
    terms: list[ColumnElement[bool]] = []
    for p in patterns:
        if p.exact:
            terms.append(column == literal(p.value, literal_execute=True))
        elif p.value == "":
            return true()
        else:
            upper = p.value[:-1] + chr(ord(p.value[-1]) + 1)
            terms.append(
                and_(
                    column.op("~>=~")(literal(p.value, literal_execute=True)),
                    column.op("~<~")(literal(upper, literal_execute=True)),
                )
            )
    return or_(*terms) if terms else false()


def any_of(*terms: ColumnElement[bool]) -> ColumnElement[bool]:
    """OR of the terms that can be true. Constant-false branches are dropped here because
    PostgreSQL decides whether to turn `id IN (subquery)` into a join before it folds
    constants: `false OR id IN (…)` would scan the whole table."""
    kept = [term for term in terms if not isinstance(term, False_)]
    return or_(*kept) if kept else false()


def all_of(*terms: ColumnElement[bool]) -> ColumnElement[bool]:
    """AND of the terms; false at once when one of them is constant-false."""
    if any(isinstance(term, False_) for term in terms):
        return false()
    return and_(*terms)


def _org_is(column: InstrumentedAttribute[Any], scope: Scope) -> ColumnElement[bool]:
    org = scope.principal.organization_id
    return false() if org is None else column == org


def _referred_to_me(scope: Scope) -> ColumnElement[bool]:
    """Cases with a referral to the scope's organization that it has not declined: sent,
    accepted or completed (a receiver keeps reading what it worked on)."""
    org = scope.principal.organization_id
    if org is None:
        return false()
    return Case.id.in_(
        select(CaseReferral.case_id).where(
            CaseReferral.organization_id == org,
            CaseReferral.status != ReferralStatus.DECLINED,
            CaseReferral.deleted_at.is_(None),
        )
    )


def case_with_child_record(scope: Scope) -> ColumnElement[bool]:
    """Cases the scope may read, with the record of the child they are about."""
    return any_of(
        area_in(Case.area_code, scope.patterns("case", "read")),
        all_of(
            Case.reported_to_police.is_(True),
            area_in(Case.area_code, scope.patterns("police_case", "read")),
        ),
        all_of(
            _referred_to_me(scope),
            area_in(Case.area_code, scope.patterns("referred_case", "read")),
        ),
    )


def _beyond_own_files(scope: Scope, obj: str, act: str) -> tuple[AreaPattern, ...]:
    """The areas of a permission not already covered by the scope's own child files."""
    files = scope.patterns("child_file", "read")
    return tuple(p for p in scope.patterns(obj, act) if not any(f.intersect(p) == p for f in files))


def _case_children(scope: Scope) -> Select[uuid.UUID] | None:
    """Ids of children the scope sees through the cases it handles, beyond its own files
    (a case lies in its child's village); None when there are none."""
    condition = any_of(
        area_in(Case.area_code, _beyond_own_files(scope, "case", "read")),
        all_of(
            Case.reported_to_police.is_(True),
            area_in(Case.area_code, _beyond_own_files(scope, "police_case", "read")),
        ),
        all_of(
            _referred_to_me(scope),
            area_in(Case.area_code, _beyond_own_files(scope, "referred_case", "read")),
        ),
    )
    return None if isinstance(condition, False_) else select(Case.child_id).where(condition)


def _contracted_children(scope: Scope, today: date) -> ColumnElement[bool]:
    """Children assigned to the scope's NGO under a contract in force today."""
    patterns = scope.patterns("contracted_child", "read")
    if not patterns or scope.principal.organization_id is None:
        return false()
    assigned = (
        select(NgoContractChild.child_id)
        .join(NgoContract, NgoContract.id == NgoContractChild.contract_id)
        .where(
            NgoContract.ngo_id == scope.principal.organization_id,
            NgoContract.starts_on <= today,
            NgoContract.ends_on >= today,
            NgoContract.deleted_at.is_(None),
            NgoContractChild.unassigned_at.is_(None),
            NgoContractChild.deleted_at.is_(None),
        )
    )
    return all_of(Child.id.in_(assigned), area_in(Child.area_code, patterns))


def child_visible(scope: Scope, today: date, *, listing: bool = False) -> ColumnElement[bool]:
    """Children: the area's files, a school's own students, an NGO's contracted children and
    the children of the cases the scope handles. A list of children (`listing`) leaves the
    last out: police and protection centres reach a child through its case, they do not
    browse children."""
    case_children = None if listing else _case_children(scope)
    return any_of(
        area_in(Child.area_code, scope.patterns("child_file", "read")),
        all_of(
            _org_is(Child.school_id, scope),
            area_in(Child.area_code, scope.patterns("student", "read")),
        ),
        _contracted_children(scope, today),
        false() if case_children is None else Child.id.in_(case_children),
    )


def _of_case_children(
    column: InstrumentedAttribute[Any], scope: Scope, *, by_household: bool
) -> ColumnElement[bool]:
    """Rows belonging to the file of a child whose case the scope handles."""
    case_children = _case_children(scope)
    if case_children is None:
        return false()
    if by_household:
        return column.in_(select(Child.household_id).where(Child.id.in_(case_children)))
    return column.in_(case_children)


def household_visible(scope: Scope) -> ColumnElement[bool]:
    """Households of the area's files, and families of children whose cases the scope handles."""
    return any_of(
        area_in(Household.area_code, scope.patterns("child_file", "read")),
        _of_case_children(Household.id, scope, by_household=True),
    )


def parent_visible(scope: Scope) -> ColumnElement[bool]:
    """Parents, as their households."""
    return any_of(
        area_in(Parent.area_code, scope.patterns("child_file", "read")),
        _of_case_children(Parent.household_id, scope, by_household=True),
    )


def guardianship_visible(scope: Scope) -> ColumnElement[bool]:
    """Guardianships of the area's children and of children whose cases the scope handles."""
    return any_of(
        area_in(Guardianship.area_code, scope.patterns("child_file", "read")),
        _of_case_children(Guardianship.child_id, scope, by_household=False),
    )


def visit_visible(scope: Scope, today: date) -> ColumnElement[bool]:
    """Visits of the area's children, of case children, and an NGO's own service visits."""
    org = scope.principal.organization_id
    own_service_visits: ColumnElement[bool] = false()
    if org is not None and scope.can("service_visit", "write"):
        own_service_visits = all_of(
            Visit.organization_id == org,
            Visit.child_id.in_(select(Child.id).where(_contracted_children(scope, today))),
        )
    return any_of(
        area_in(Visit.area_code, scope.patterns("child_file", "read")),
        _of_case_children(Visit.child_id, scope, by_household=False),
        own_service_visits,
    )


def case_visible(scope: Scope) -> ColumnElement[bool]:
    """Cases the scope handles."""
    return case_with_child_record(scope)


def case_event_visible(scope: Scope) -> ColumnElement[bool]:
    """The history of the cases the scope handles: an event is seen with its case."""
    return CaseEvent.case_id.in_(select(Case.id).where(case_visible(scope)))


def case_referral_visible(scope: Scope) -> ColumnElement[bool]:
    """The referrals of the cases the scope handles (who else works on the case), and those
    to the scope's own organization where it receives referrals, whatever their status: a
    receiver that may not read cases (a school, an NGO) still answers its referrals."""
    return any_of(
        CaseReferral.case_id.in_(select(Case.id).where(case_with_child_record(scope))),
        all_of(
            _org_is(CaseReferral.organization_id, scope),
            area_in(CaseReferral.area_code, scope.patterns("referral", "receive")),
        ),
    )


def absence_visible(scope: Scope) -> ColumnElement[bool]:
    """A school's own submissions, and absences of the area's children."""
    return any_of(
        area_in(AbsenceRecord.area_code, scope.patterns("child_file", "read")),
        all_of(_org_is(AbsenceRecord.school_id, scope), scope_can(scope, "absence", "write")),
    )


def absence_batch_visible(scope: Scope) -> ColumnElement[bool]:
    """A school's own submissions."""
    return all_of(_org_is(AbsenceBatch.school_id, scope), scope_can(scope, "absence", "write"))


def dropout_status_visible(scope: Scope) -> ColumnElement[bool]:
    """The follow-up status of dropout cases about a school's own pupils (and no other
    case, and nothing else of the case: DropoutStatus maps only the status)."""
    patterns = scope.patterns("dropout_status", "read")
    org = scope.principal.organization_id
    if not patterns or org is None:
        return false()
    return all_of(
        DropoutStatus.category == CaseCategory.DROPOUT,
        DropoutStatus.child_id.in_(select(Child.id).where(Child.school_id == org)),
        area_in(DropoutStatus.area_code, patterns),
    )


def _held_or_managed_contract(scope: Scope) -> ColumnElement[bool]:
    return any_of(
        _org_is(NgoContract.ngo_id, scope),
        area_in(NgoContract.area_code, scope.patterns("contract", "manage")),
    )


def enclosing_codes(code: str) -> list[str]:
    """The codes of the areas that contain `code`, and `code` itself (province to village)."""
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


def ngo_directory(scope: Scope) -> ColumnElement[bool]:
    """The NGOs a contract manager may contract with: those registered in its areas or in an
    area containing them (a city-wide NGO serves the county too). Organizations are not
    child data and are not scoped by `criteria`; this is the directory's own rule."""
    terms = [
        or_(
            Organization.area_code.in_(enclosing_codes(p.value)),
            area_in(Organization.area_code, (p,)),
        )
        for p in scope.patterns("contract", "manage")
    ]
    return all_of(
        Organization.kind == OrganizationKind.NGO,
        Organization.deleted_at.is_(None),
        any_of(*terms),
    )


def contract_scope_overlaps(patterns: tuple[AreaPattern, ...]) -> ColumnElement[bool]:
    """A contract whose area scope overlaps one of the patterns: an entry of the scope lies
    in a pattern, or a pattern lies in an entry (a township inside a county-wide contract)."""
    terms: list[ColumnElement[bool]] = []
    for p in patterns:
        # The codes a pattern lies in are its prefixes at each level of the area table.
        enclosing = enclosing_codes(p.value)
        entry = func.unnest(NgoContract.area_scope).column_valued("entry")
        inside = select(entry).where(area_in(entry, (p,))).exists()
        around = cast(postgresql.array(enclosing), ARRAY(String(AREA_CODE_LENGTH)))
        terms.append(or_(NgoContract.area_scope.op("&&")(around), inside))
    return or_(*terms) if terms else false()


def contract_visible(scope: Scope) -> ColumnElement[bool]:
    """Contracts an NGO holds, those its county manages, and those serving areas where the
    scope assigns children to contracts."""
    return any_of(
        _held_or_managed_contract(scope),
        contract_scope_overlaps(scope.patterns("contract", "assign")),
    )


def contract_child_visible(scope: Scope) -> ColumnElement[bool]:
    """Assignments of the area's children, and every assignment under a contract the scope
    holds or manages (not under those it merely assigns to: other townships' are theirs)."""
    return any_of(
        area_in(NgoContractChild.area_code, scope.patterns("child_file", "read")),
        NgoContractChild.contract_id.in_(
            select(NgoContract.id).where(_held_or_managed_contract(scope))
        ),
    )


def duplicate_report_visible(scope: Scope) -> ColumnElement[bool]:
    """Duplicates passed on to be reconciled: seen in the place of either file."""
    patterns = scope.patterns("duplicate_report", "read")
    return any_of(
        area_in(DuplicateReport.area_code, patterns),
        area_in(DuplicateReport.existing_area_code, patterns),
    )


def move_request_visible(scope: Scope) -> ColumnElement[bool]:
    """Requested moves, seen on both sides: by whoever may request moves from the sending
    village, accept them into the receiving one, or approve them for either county."""
    approving = scope.patterns("child_move", "approve")
    return any_of(
        area_in(ChildMoveRequest.area_code, scope.patterns("child_move", "request")),
        area_in(ChildMoveRequest.to_area_code, scope.patterns("child_move", "accept")),
        area_in(ChildMoveRequest.area_code, approving),
        area_in(ChildMoveRequest.to_area_code, approving),
    )


def audit_read_visible(scope: Scope) -> ColumnElement[bool]:
    """Who read which child's file: for supervisors of the child's area (`audit read`)."""
    return area_in(AuditRead.area_code, scope.patterns("audit", "read"))


def task_visible(scope: Scope) -> ColumnElement[bool]:
    """The caller's tasks: in an area where it may read tasks, owed by its role there, by
    itself or by its organization."""
    principal = scope.principal
    role = false() if principal.role is None else Task.assignee_role == principal.role
    user = false() if principal.user_id is None else Task.assignee_user_id == principal.user_id
    return all_of(
        area_in(Task.area_code, scope.patterns("task", "read")),
        any_of(role, user, _org_is(Task.assignee_organization_id, scope)),
    )


def webhook_subscriber_visible(scope: Scope) -> ColumnElement[bool]:
    """The subscribers of the counties where the caller manages webhooks."""
    return area_in(WebhookSubscriber.area_code, scope.patterns("webhook", "manage"))


def staff_visible(scope: Scope) -> ColumnElement[bool]:
    """The people of the staff register the caller may read: those placed in the areas where
    it holds `staff read` (a township's people for its supervisor, a county's for its
    bureau), and its own entry. Not a criterion on every `users` query: the names of who made
    a record the caller sees are shown whoever may read the register."""
    me = scope.principal.user_id
    return any_of(
        area_in(User.area_code, scope.patterns("staff", "read")),
        false() if me is None else User.id == me,
    )


def scope_can(scope: Scope, obj: str, act: str) -> ColumnElement[bool]:
    """A constant true/false: whether the scope holds the permission anywhere."""
    return literal(True) if scope.can(obj, act) else false()


def criteria(
    scope: Scope, today: date, *, listing: bool = False
) -> dict[type[Any], Callable[[], ColumnElement[bool]]]:
    """The read predicate of every scoped model, for `with_loader_criteria`; `listing` for
    queries that list children rather than look them up."""
    return {
        Child: lambda: child_visible(scope, today, listing=listing),
        # A move is seen from both villages: the one it left learns the child is gone.
        ChildMove: lambda: any_of(
            area_in(ChildMove.area_code, scope.patterns("child_file", "read")),
            area_in(ChildMove.from_area_code, scope.patterns("child_file", "read")),
            _of_case_children(ChildMove.child_id, scope, by_household=False),
        ),
        Household: lambda: household_visible(scope),
        Parent: lambda: parent_visible(scope),
        Guardianship: lambda: guardianship_visible(scope),
        Visit: lambda: visit_visible(scope, today),
        Case: lambda: case_visible(scope),
        CaseEvent: lambda: case_event_visible(scope),
        CaseReferral: lambda: case_referral_visible(scope),
        AbsenceRecord: lambda: absence_visible(scope),
        AbsenceBatch: lambda: absence_batch_visible(scope),
        DropoutStatus: lambda: dropout_status_visible(scope),
        NgoContract: lambda: contract_visible(scope),
        NgoContractChild: lambda: contract_child_visible(scope),
        DuplicateReport: lambda: duplicate_report_visible(scope),
        AuditRead: lambda: audit_read_visible(scope),
        ChildMoveRequest: lambda: move_request_visible(scope),
        Task: lambda: task_visible(scope),
        WebhookSubscriber: lambda: webhook_subscriber_visible(scope),
    }


def organization_directory(scope: Scope) -> ColumnElement[bool]:
    """The organizations a caller who refers cases (`case refer`) may look up: those placed
    in its areas and in the areas containing them (the county's bureaus, the city's court),
    whatever their kind but the system's own. Empty for everyone else."""
    terms = [
        or_(
            Organization.area_code.in_(enclosing_codes(p.value)),
            area_in(Organization.area_code, (p,)),
        )
        for p in scope.patterns("case", "refer")
    ]
    return all_of(
        Organization.kind != OrganizationKind.SYSTEM,
        Organization.deleted_at.is_(None),
        any_of(*terms),
    )


def reported_by(scope: Scope) -> ColumnElement[bool]:
    """Cases (as the `cases` table, not the ORM entity) that the caller's account or
    organization reported, or joined a report to: the reporting unit, which may ask a
    case's status by its number; nobody else may."""
    user, org = scope.principal.user_id, scope.principal.organization_id
    cases, events = Case.__table__.c, CaseEvent.__table__.c

    def me(account: ColumnElement[Any], unit: ColumnElement[Any]) -> ColumnElement[bool]:
        return or_(
            false() if user is None else account == user, false() if org is None else unit == org
        )

    joined = (
        select(events.id)
        .where(
            events.case_id == cases.id,
            events.kind == CaseEventKind.REPORTED,
            me(events.actor_id, events.reporter_organization_id),
        )
        .exists()
    )
    return or_(me(cases.reporter_id, cases.reporter_organization_id), joined)
