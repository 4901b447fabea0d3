"""Protection cases: the mandatory report, then the workflow's steps (app/domain/workflow.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import workflow
from app.domain.case_deadlines import stage_due_at
from app.domain.referrals import (
    OPEN_STATUSES,
    ReferralAction,
    ReferralError,
    in_jurisdiction,
    may_receive,
    next_status,
)
from app.domain.validation import Problem, check_length, check_required, problems
from app.domain.workflow import CaseAction, WorkflowError, required_permission
from app.enums import (
    CaseCategory,
    CaseEventKind,
    CaseMeasure,
    CaseStage,
    ChildStatus,
    DropoutFollowUp,
    ReferralStatus,
    ReportSource,
    Role,
)
from app.errors import DomainError, not_found, raise_problems, refuse
from app.models import Case, CaseEvent, CaseReferral, Child, Organization
from app.services.common import (
    Actor,
    New,
    existing_create,
    load_for_write,
    load_visible,
    merge_create,
    values_of,
)
from authz.guard import require

DESCRIPTION_MAX = 4000
NOTE_MAX = 4000

# Seed 004 §四: these are reported to the police at once.
POLICE_CATEGORIES = frozenset(
    {
        CaseCategory.LIVING_ALONE,
        CaseCategory.MISSING,
        CaseCategory.GUARDIAN_INCAPABLE,
        CaseCategory.GUARDIAN_NEGLECT,
        CaseCategory.SUSPECTED_DOMESTIC_VIOLENCE,
        CaseCategory.SUSPECTED_ABUSE_OR_INJURY,
    }
)

# Where a report comes from when the reporter does not say: from the reporter's role.
_SOURCE_OF_ROLE = {
    Role.SCHOOL: ReportSource.SCHOOL,
    Role.NGO: ReportSource.NGO,
    Role.POLICE: ReportSource.POLICE,
}


def default_source(role: Role | None) -> ReportSource:
    """The source of a report by a caller of `role`: schools, NGOs and the police are
    themselves; village, township and everyone else report as the village (村(居)委会)."""
    return _SOURCE_OF_ROLE.get(role, ReportSource.VILLAGE) if role else ReportSource.VILLAGE


def default_reported_to_police(category: CaseCategory, role: Role | None) -> bool:
    """Whether a report goes to the police unless the reporter says otherwise: the categories
    seed 004 names, and anything the police report themselves."""
    return category in POLICE_CATEGORIES or role is Role.POLICE


@dataclass(frozen=True)
class ConcernData:
    """A mandatory report (强制报告) as the app or an integration sends it: the fields of
    ReportConcernInput but its client id."""

    child_id: uuid.UUID
    category: CaseCategory
    description: str
    source: ReportSource | None = None
    reported_to_police: bool | None = None


async def _own_unreadable_report(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID, values: dict[str, Any]
) -> Case | None:
    """A retried report by a caller who may report but not read cases (a school, an NGO):
    its receipt, never the case as it is now.

    The scoped session hides the case from them, so `existing_create` cannot find it; only
    a report the caller itself sent with reportConcern is looked up here (by id and
    reporter). A case the dropout rule opened names the school as `reporter_name`, which a
    report sent never does: its id (a school reads it as a StudentFollowUp's) is no client id
    of the school's, and answers as any id already taken does. Row-level security still
    bounds the query.
    """
    table = Case.__table__
    reporter = (
        table.c.reporter_id == actor.user_id
        if actor.user_id is not None
        else (table.c.reporter_id.is_(None))
        & (table.c.reporter_organization_id == actor.scope.principal.organization_id)
    )
    query = select(table).where(table.c.id == case_id, reporter, table.c.reporter_name.is_(None))
    row = (await session.execute(query)).mappings().first()
    if row is None:
        return None
    if any(row[key] != value for key, value in values.items()):
        raise refuse("IDEMPOTENCY_CONFLICT", "id", "this id was already used for other content")
    return receipt(Case(**dict(row)))


def receipt(case: Case) -> Case:
    """What a reporter who may not read the case gets back, first time and on every retry:
    the report as it was made (stage REPORTED), not the case as it is now. A detached row,
    never added to a session."""
    return Case(
        id=case.id,
        child_id=case.child_id,
        area_code=case.area_code,
        category=case.category,
        source=case.source,
        reporter_id=case.reporter_id,
        reporter_organization_id=case.reporter_organization_id,
        reported_at=case.reported_at,
        description=case.description,
        reported_to_police=case.reported_to_police,
        stage=CaseStage.REPORTED,
        stage_entered_at=case.reported_at,
        due_at=stage_due_at(CaseStage.REPORTED, case.reported_at),
        version=1,
    )


async def report_concern(session: AsyncSession, actor: Actor, new: New) -> Case:
    """Open a case in stage REPORTED about a child the reporter may see. Idempotent by id."""
    data, found = merge_create(ConcernData, new.changes)
    if data is None or found:
        raise DomainError(found)
    raise_problems(
        problems(
            check_required(data.description, "description"),
            check_length(data.description, "description", DESCRIPTION_MAX),
        )
    )
    child: Child = await load_visible(session, Child, data.child_id, "childId", "child")
    require(actor.scope, "case", "report", child.area_code, field="childId")
    principal = actor.scope.principal
    values: dict[str, Any] = values_of(data) | {
        "description": data.description.strip(),
        "source": data.source or default_source(principal.role),
        "reported_to_police": (
            default_reported_to_police(data.category, principal.role)
            if data.reported_to_police is None
            else data.reported_to_police
        ),
        "reporter_id": actor.user_id,
        "reporter_organization_id": principal.organization_id,
    }
    existing = await existing_create(session, Case, new.id, values)
    if existing is None and new.id is not None:
        existing = await _own_unreadable_report(session, actor, new.id, values)
    if existing is not None:
        return existing
    if child.status is ChildStatus.ARCHIVED:
        raise refuse("CHILD_ARCHIVED", "childId", "the child's file is archived")
    case, reported = new_case(actor, new.id or uuid.uuid4(), child.area_code, **values)
    session.add_all((case, reported))
    await session.flush()
    return case


def new_case(
    actor: Actor, case_id: uuid.UUID, area_code: str, **values: Any
) -> tuple[Case, CaseEvent]:
    """A case reported now (stage REPORTED, with its deadline) and the first entry of its
    history: what every way of opening a case writes."""
    case = Case(
        id=case_id,
        area_code=area_code,
        reported_at=actor.now,
        stage=CaseStage.REPORTED,
        stage_entered_at=actor.now,
        due_at=stage_due_at(CaseStage.REPORTED, actor.now),
        **values,
    )
    return case, _event(case, actor, CaseEventKind.REPORTED, to_stage=CaseStage.REPORTED)


@dataclass(frozen=True)
class StepData:
    """What a workflow step may carry besides the case and its version."""

    note: str | None = None
    plan: str | None = None
    measure: CaseMeasure | None = None
    organization_id: uuid.UUID | None = None
    reason: str | None = None


def case_event(
    case_id: uuid.UUID, area_code: str, actor: Actor, kind: CaseEventKind, **values: Any
) -> CaseEvent:
    """An entry in a case's history, by the actor, now."""
    return CaseEvent(
        id=uuid.uuid4(),
        case_id=case_id,
        area_code=area_code,
        kind=kind,
        actor_id=actor.user_id,
        occurred_at=actor.now,
        **values,
    )


def _event(case: Case, actor: Actor, kind: CaseEventKind, **values: Any) -> CaseEvent:
    return case_event(case.id, case.area_code, actor, kind, **values)


def _step_problems(action: CaseAction, step: StepData) -> list[Problem]:
    """Each action's own inputs, checked before anything is loaded."""
    found = problems(check_length(step.note, "note", NOTE_MAX))
    if action is CaseAction.COMPLETE_ASSESSMENT:
        found += problems(
            check_required(step.plan, "plan"), check_length(step.plan, "plan", NOTE_MAX)
        )
    elif action is CaseAction.CLOSE:
        found += problems(
            check_required(step.reason, "reason"), check_length(step.reason, "reason", NOTE_MAX)
        )
    elif action is CaseAction.RECORD_MEASURE and step.measure is None:
        found.append(Problem("REQUIRED", "measure", "this field is required"))
    elif action is CaseAction.REFER and step.organization_id is None:
        found.append(Problem("REQUIRED", "organizationId", "this field is required"))
    return found


async def apply_case_action(
    session: AsyncSession,
    actor: Actor,
    case_id: uuid.UUID,
    expected_version: int,
    action: CaseAction,
    step: StepData,
) -> Case:
    """One step of a case's workflow, with its history: who may, from which stage, to which."""
    raise_problems(_step_problems(action, step))
    case: Case = await load_for_write(
        session, actor, Case, case_id, expected_version,
        field="caseId", what="case", permission=required_permission(action),
    )  # fmt: skip
    try:
        to_stage = workflow.apply(case.stage, action)
    except WorkflowError as error:
        raise refuse(error.code, "caseId", error.template, error.params, current=case) from error
    organization: Organization | None = None
    if action is CaseAction.REFER:
        organization = await session.get(Organization, step.organization_id)
        if organization is None or organization.deleted_at is not None:
            raise not_found("organizationId", "organization")
        await check_referral(session, case, organization)

    events: list[CaseEvent] = []
    from_stage = case.stage
    if to_stage is not from_stage:
        case.stage = to_stage
        case.stage_entered_at = actor.now
        case.due_at = stage_due_at(to_stage, actor.now)
        events.append(
            _event(
                case, actor, CaseEventKind.STAGE_CHANGE,
                from_stage=from_stage, to_stage=to_stage,
                note=step.reason.strip() if action is CaseAction.CLOSE and step.reason else None,
            )
        )  # fmt: skip
    if action is CaseAction.CLOSE:
        case.closed_at = actor.now
        case.close_reason = (step.reason or "").strip()
    elif action is CaseAction.RECORD_MEASURE:
        events.append(_event(case, actor, CaseEventKind.MEASURE, measure=step.measure))
    elif action is CaseAction.REFER and organization is not None:
        case.referred_organization_id = organization.id
        session.add(new_referral(case, actor, organization, step.note))
        events.append(
            _event(case, actor, CaseEventKind.REFERRAL, referred_organization_id=organization.id)
        )
    elif action is CaseAction.COMPLETE_ASSESSMENT and step.plan:
        events.append(_event(case, actor, CaseEventKind.NOTE, note=step.plan.strip()))
    if step.note and step.note.strip():
        events.append(_event(case, actor, CaseEventKind.NOTE, note=step.note.strip()))
    session.add_all(events)
    await session.flush()
    return case


async def set_dropout_follow_up(
    session: AsyncSession,
    actor: Actor,
    case_id: uuid.UUID,
    expected_version: int,
    status: DropoutFollowUp,
    note: str | None = None,
) -> Case:
    """Record where the persuasion of a pupil at risk of dropping out stands (劝返): what
    the reporting school may read of the case."""
    raise_problems(problems(check_length(note, "note", NOTE_MAX)))
    case: Case = await load_for_write(
        session, actor, Case, case_id, expected_version,
        field="caseId", what="case", permission=("case", "follow_up"),
    )  # fmt: skip
    if case.category is not CaseCategory.DROPOUT:
        raise refuse("NOT_A_DROPOUT_CASE", "caseId", "only dropout cases have a follow-up status")
    if case.closed_at is not None:
        raise refuse("CASE_CLOSED", "caseId", "the case is closed", current=case)
    if case.dropout_follow_up is not status:
        case.dropout_follow_up = status
        text = f"劝返状态：{status.label}" + (f"。{note.strip()}" if note and note.strip() else "")
        session.add(_event(case, actor, CaseEventKind.NOTE, note=text))
        await session.flush()
    return case


# Referrals (转介): a case may be referred to several organizations at once; referring adds a
# receiver and removes no one (the referral to the county bureau that brought it the case
# stays). The receiver accepts, declines or completes it (app/domain/referrals.py).


async def check_referral(session: AsyncSession, case: Case, organization: Organization) -> None:
    """Refuse a referral to a body that cannot take this case's category
    (RECEIVER_NOT_ALLOWED), that does not serve the child's area (OUTSIDE_JURISDICTION), or
    that has an open referral of the case already (ALREADY_REFERRED)."""
    if not may_receive(organization.kind, case.category):
        raise refuse(
            "RECEIVER_NOT_ALLOWED", "organizationId",
            "a {kind} does not take referrals of {category} cases",
            {"kind": organization.kind, "category": case.category},
        )  # fmt: skip
    if not in_jurisdiction(organization.area_code, case.area_code):
        raise refuse(
            "OUTSIDE_JURISDICTION", "organizationId",
            "the organization does not serve the child's area",
        )  # fmt: skip
    open_referral = await session.scalar(
        select(CaseReferral.id).where(
            CaseReferral.case_id == case.id,
            CaseReferral.organization_id == organization.id,
            CaseReferral.status.in_(OPEN_STATUSES),
            CaseReferral.deleted_at.is_(None),
        )
    )
    if open_referral is not None:
        raise refuse(
            "ALREADY_REFERRED", "organizationId",
            "the case is already referred to this organization and the referral is open",
        )  # fmt: skip


def new_referral(
    case: Case, actor: Actor, organization: Organization, note: str | None
) -> CaseReferral:
    """A referral of the case to the organization, sent now by the actor."""
    return CaseReferral(
        id=uuid.uuid4(),
        case_id=case.id,
        area_code=case.area_code,
        organization_id=organization.id,
        status=ReferralStatus.SENT,
        note=note.strip() if note and note.strip() else None,
        referred_by_id=actor.user_id,
        referred_at=actor.now,
    )


_ANSWER_EVENTS = {
    ReferralAction.ACCEPT: CaseEventKind.REFERRAL_ACCEPTED,
    ReferralAction.DECLINE: CaseEventKind.REFERRAL_DECLINED,
    ReferralAction.COMPLETE: CaseEventKind.REFERRAL_COMPLETED,
}
# The text each answer needs: none to accept, the reason to decline, the feedback to complete.
_ANSWER_TEXT = {ReferralAction.DECLINE: "reason", ReferralAction.COMPLETE: "feedback"}


async def answer_referral(
    session: AsyncSession,
    actor: Actor,
    referral_id: uuid.UUID,
    expected_version: int,
    action: ReferralAction,
    text: str | None = None,
) -> CaseReferral:
    """The receiving organization's answer to a referral: accept it, decline it (with the
    reason) or complete it (with its feedback); an event in the case's history either way.
    Only the staff of the organization referred to may answer (NOT_THE_RECEIVER)."""
    field = _ANSWER_TEXT.get(action)
    if field is not None:
        raise_problems(problems(check_required(text, field), check_length(text, field, NOTE_MAX)))
    referral: CaseReferral = await load_for_write(
        session, actor, CaseReferral, referral_id, expected_version,
        field="referralId", what="referral", permission=("referral", "receive"),
    )  # fmt: skip
    if actor.organization_id is None or referral.organization_id != actor.organization_id:
        raise refuse("NOT_THE_RECEIVER", "referralId", "the referral is to another organization")
    try:
        referral.status = next_status(referral.status, action)
    except ReferralError as error:
        raise refuse(
            "INVALID_REFERRAL_STATUS", "referralId",
            "the referral is {status}: this step is not possible", {"status": error.status},
            current=referral,
        ) from error  # fmt: skip
    written = text.strip() if text else None
    if action is ReferralAction.COMPLETE:
        referral.completed_at = actor.now
        referral.feedback = written
    else:
        referral.responded_at = actor.now
        if written:
            referral.feedback = written
    session.add(
        case_event(
            referral.case_id, referral.area_code, actor, _ANSWER_EVENTS[action],
            referred_organization_id=referral.organization_id, note=written,
        )
    )  # fmt: skip
    await session.flush()
    return referral
