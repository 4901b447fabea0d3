"""Protection cases: the mandatory report, then the workflow's steps (app/domain/workflow.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import workflow
from app.domain.case_deadlines import stage_due_at
from app.domain.case_facts import MeasureFacts, measure_fact_problems
from app.domain.classification import age_on
from app.domain.intake import (
    ChildDescription,
    description_problems,
    format_case_number,
    intake_area,
    provisional_birth_date,
    provisional_school_status,
    reporter_problems,
    subject_problems,
)
from app.domain.referrals import (
    OPEN_STATUSES,
    ReferralAction,
    ReferralError,
    in_jurisdiction,
    may_receive,
    next_status,
)
from app.domain.validation import Problem, check_length, check_required, problems
from app.domain.workflow import (
    DROPOUT_FOLLOW_UP_AFTER,
    DROPOUT_STEP_FOR,
    CaseAction,
    WorkflowError,
    allowed_actions,
    initial_stage,
    required_permission,
)
from app.enums import (
    AreaLevel,
    CaseCategory,
    CaseEventKind,
    CaseMeasure,
    CaseStage,
    ChildStatus,
    DropoutFollowUp,
    LivingArrangement,
    OrganizationKind,
    PetitionOutcome,
    ReferralStatus,
    ReportSource,
    Role,
    TaskKind,
    TaskSubject,
)
from app.errors import DomainError, not_found, raise_problems, refuse
from app.models import (
    Area,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseReferral,
    Child,
    Household,
    Organization,
    User,
    Visit,
)
from app.services import outbox
from app.services.common import (
    Actor,
    New,
    existing_create,
    load_for_write,
    load_visible,
    merge_create,
    values_of,
)
from app.services.daily import close_ended_about
from app.services.derivation import refresh_children
from app.services.merged_files import mark_merged
from app.services.task_closing import TASKS, close_open_tasks
from authz.assignees import may_work_on
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
        case_number=case.case_number,
        stage=initial_stage(case.category),
        stage_entered_at=case.reported_at,
        due_at=stage_due_at(initial_stage(case.category), case.reported_at),
        version=1,
    )


def report_values(
    actor: Actor,
    category: CaseCategory,
    description: str,
    source: ReportSource | None,
    reported_to_police: bool | None,
) -> dict[str, Any]:
    """What a report records of itself and of who made it, what it leaves out taken from the
    reporter's role (its source; whether it goes to the police)."""
    principal = actor.scope.principal
    return {
        "category": category,
        "description": description.strip(),
        "source": source or default_source(principal.role),
        "reported_to_police": (
            default_reported_to_police(category, principal.role)
            if reported_to_police is None
            else reported_to_police
        ),
        "reporter_id": actor.user_id,
        "reporter_organization_id": principal.organization_id,
    }


async def report_concern(
    session: AsyncSession, actor: Actor, new: New, *, contact: dict[str, Any] | None = None
) -> Case:
    """Open a case in stage REPORTED about a child the reporter may see, with its number
    (`contact`: the member of the public who reported, by intake). Idempotent by id."""
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
    values: dict[str, Any] = values_of(data) | report_values(
        actor, data.category, data.description, data.source, data.reported_to_police
    )
    values |= contact or {}
    existing = await existing_create(session, Case, new.id, values)
    if existing is None and new.id is not None:
        existing = await _own_unreadable_report(session, actor, new.id, values)
    if existing is None and new.id is not None:
        existing = await _joined_report(session, actor, new.id, values)
    if existing is not None:
        return existing
    if child.status is ChildStatus.ARCHIVED:
        raise refuse("CHILD_ARCHIVED", "childId", "the child's file is archived")
    # Two reports about one child at once take turns, so the second joins the first's case
    # instead of opening another (one case per situation).
    await session.execute(select(func.pg_advisory_xact_lock(_child_lock_key(child.id))))
    open_case = await _open_case_of(session, child.id, data.category)
    if open_case is not None:
        return await _join(session, actor, open_case, new.id or uuid.uuid4(), values)
    case, reported = new_case(actor, new.id or uuid.uuid4(), child.area_code, **values)
    await number_case(session, actor, case)
    session.add_all((case, reported))
    await session.flush()
    await outbox.case_reported(session, case)
    return case


def _child_lock_key(child_id: uuid.UUID) -> int:
    """The advisory lock of reports about a child: the first 63 bits of its id."""
    return child_id.int >> 65


def new_case(
    actor: Actor, case_id: uuid.UUID, area_code: str, **values: Any
) -> tuple[Case, CaseEvent]:
    """A case reported now (in its category's first stage, with its deadline) and the first
    entry of its history: what every way of opening a case writes."""
    stage = initial_stage(values["category"])
    if values["category"] is CaseCategory.DROPOUT:
        values.setdefault("dropout_follow_up", DropoutFollowUp.PERSUASION_UNDER_WAY)
    case = Case(
        id=case_id,
        area_code=area_code,
        reported_at=actor.now,
        stage=stage,
        stage_entered_at=actor.now,
        due_at=stage_due_at(stage, actor.now),
        **values,
    )
    return case, _event(case, actor, CaseEventKind.REPORTED, to_stage=stage)


@dataclass(frozen=True)
class StepData:
    """What a workflow step may carry besides the case and its version."""

    note: str | None = None
    plan: str | None = None
    measure: CaseMeasure | None = None
    organization_id: uuid.UUID | None = None
    reason: str | None = None
    # A measure's facts, each under the measure it is of (app/domain/case_facts.py).
    placement: MeasureFacts | None = None
    protection_order: MeasureFacts | None = None
    revocation_petition: MeasureFacts | None = None
    report: str | None = None


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
        actor_organization_id=actor.organization_id,
        occurred_at=actor.now,
        **values,
    )


def _event(case: Case, actor: Actor, kind: CaseEventKind, **values: Any) -> CaseEvent:
    return case_event(case.id, case.area_code, actor, kind, **values)


def _step_problems(action: CaseAction, step: StepData, today: date) -> list[Problem]:
    """Each action's own inputs, checked before anything is loaded."""
    found = problems(check_length(step.note, "note", NOTE_MAX))
    if action is CaseAction.COMPLETE_ASSESSMENT:
        found += problems(
            check_required(step.plan, "plan"), check_length(step.plan, "plan", NOTE_MAX)
        )
    elif action in (CaseAction.CLOSE, CaseAction.CLOSE_AS_UNFOUNDED):
        found += problems(
            check_required(step.reason, "reason"), check_length(step.reason, "reason", NOTE_MAX)
        )
    elif action is CaseAction.RECORD_MEASURE and step.measure is None:
        found.append(Problem("REQUIRED", "measure", "this field is required"))
    elif action is CaseAction.RECORD_MEASURE and step.measure is not None:
        found += measure_problems(step, today)
    elif action is CaseAction.REFER and step.organization_id is None:
        found.append(Problem("REQUIRED", "organizationId", "this field is required"))
    elif action is CaseAction.SEND_WRITTEN_REPORT:
        found += problems(
            check_required(step.report, "report"), check_length(step.report, "report", NOTE_MAX)
        )
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
    raise_problems(_step_problems(action, step, actor.today))
    if action is CaseAction.RECORD_MEASURE:
        # Which step records the measure depends on where the case stands (and so does the
        # permission it needs): loading it here costs nothing more, the session keeps it.
        visible: Case = await load_visible(session, Case, case_id, "caseId", "case")
        action = workflow.measure_action(visible.stage)
    case: Case = await load_for_write(
        session, actor, Case, case_id, expected_version,
        field="caseId", what="case", permission=required_permission(action),
    )  # fmt: skip
    try:
        to_stage = workflow.apply(case.stage, action, case.category)
    except WorkflowError as error:
        raise refuse(error.code, "caseId", error.template, error.params, current=case) from error
    if step.measure is not None and not workflow.measure_allowed(action, step.measure):
        raise refuse(
            "NOT_AN_EMERGENCY_MEASURE", "measure",
            "a {measure} follows an assessment: it is not an emergency measure",
            {"measure": step.measure}, current=case,
        )  # fmt: skip
    organization: Organization | None = None
    if action is CaseAction.REFER:
        organization = await session.get(Organization, step.organization_id)
        if organization is None or organization.deleted_at is not None:
            raise not_found("organizationId", "organization")
        await check_referral(session, case, organization)
    recipients = (
        await _written_report_recipients(session, case.area_code)
        if action is CaseAction.SEND_WRITTEN_REPORT
        else []
    )

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
                note=_stage_change_note(action, step),
            )
        )  # fmt: skip
    if to_stage is CaseStage.CLOSED:
        case.closed_at = actor.now
        case.close_reason = (step.reason or action.label).strip()
        await _end_tasks_about(session, actor, case)
    elif action in (CaseAction.RECORD_MEASURE, CaseAction.RECORD_EMERGENCY_MEASURE):
        facts = await measure_facts(session, step)
        events.append(_event(case, actor, CaseEventKind.MEASURE, measure=step.measure, **facts))
    elif action is CaseAction.REFER and organization is not None:
        case.referred_organization_id = organization.id
        session.add(new_referral(case, actor, organization, step.note))
        events.append(
            _event(case, actor, CaseEventKind.REFERRAL, referred_organization_id=organization.id)
        )
    elif action is CaseAction.COMPLETE_ASSESSMENT and step.plan:
        events.append(_event(case, actor, CaseEventKind.NOTE, note=step.plan.strip()))
    events += _category_step(case, actor, action, step, recipients)
    if step.note and step.note.strip():
        events.append(_event(case, actor, CaseEventKind.NOTE, note=step.note.strip()))
    # A step's entries a microsecond apart: the history lists them in the order written.
    for offset, event in enumerate(events):
        event.occurred_at += timedelta(microseconds=offset)
    session.add_all(events)
    await session.flush()
    if to_stage is not from_stage:
        await outbox.case_stage_changed(session, case, from_stage)
        await close_ended_about(
            session, [case.id], actor.now,
            (TaskKind.CASE_OVERDUE, TaskKind.DROPOUT_NOT_RETURNED),
        )  # fmt: skip
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
    step = DROPOUT_STEP_FOR.get(status)
    if case.dropout_follow_up is not status and step in allowed_actions(case.stage, case.category):
        # On the dropout path a status is the step it stands for (返校 closes the case).
        return await apply_case_action(
            session, actor, case_id, expected_version, step, StepData(note=note)
        )
    if case.dropout_follow_up is not status:
        case.dropout_follow_up = status
        text = f"劝返状态：{status.label}" + (f"。{note.strip()}" if note and note.strip() else "")
        session.add(_event(case, actor, CaseEventKind.NOTE, note=text))
        await session.flush()
    return case


def _given_facts(step: StepData) -> list[tuple[CaseMeasure, MeasureFacts]]:
    given = (
        (CaseMeasure.PLACEMENT, step.placement),
        (CaseMeasure.PROTECTION_ORDER, step.protection_order),
        (CaseMeasure.REVOCATION_PETITION, step.revocation_petition),
    )
    return [(measure, facts) for measure, facts in given if facts is not None]


def measure_problems(step: StepData, today: date) -> list[Problem]:
    """What is wrong with the facts a measure is recorded with (none given is allowed)."""
    found: list[Problem] = []
    for measure, facts in _given_facts(step):
        if step.measure is not None:
            found += measure_fact_problems(step.measure, measure, facts, today)
    return found


async def measure_facts(session: AsyncSession, step: StepData) -> dict[str, Any]:
    """The columns of a measure's event for the facts it was recorded with (checked by
    `measure_problems`): a petition's outcome is PENDING unless said; a placement with an
    organization names one on file."""
    given = _given_facts(step)
    if not given:
        return {}
    facts = values_of(given[0][1])
    if step.measure is CaseMeasure.REVOCATION_PETITION and facts["outcome"] is None:
        facts["outcome"] = PetitionOutcome.PENDING
    if facts["place"] is not None:
        facts["place"] = facts["place"].strip()
    organization_id = facts["place_organization_id"]
    if organization_id is not None:
        organization = await session.get(Organization, organization_id)
        if organization is None or organization.deleted_at is not None:
            raise not_found("placement.placeOrganizationId", "organization")
    return facts


async def assign_case(
    session: AsyncSession,
    actor: Actor,
    case_id: uuid.UUID,
    expected_version: int,
    assignee_id: uuid.UUID,
) -> Case:
    """Hand a case over to a worker who may work on it (authz/assignees.py), with a
    HANDOVER event naming both; handing it to its assignee changes nothing."""
    case: Case = await load_for_write(
        session, actor, Case, case_id, expected_version,
        field="caseId", what="case", permission=("case", "assign"),
    )  # fmt: skip
    if case.closed_at is not None:
        raise refuse("CASE_CLOSED", "caseId", "the case is closed", current=case)
    assignee = await session.get(User, assignee_id)
    # A person who does not exist and one who may not work on the case answer alike.
    if assignee is None or not await may_work_on(session, assignee, case):
        raise refuse("ASSIGNEE_NOT_ELIGIBLE", "assigneeId", "this person may not work on this case")
    if case.assignee_id == assignee.id:
        return case
    handover = _event(
        case, actor, CaseEventKind.HANDOVER,
        from_assignee_id=case.assignee_id, to_assignee_id=assignee.id,
    )  # fmt: skip
    case.assignee_id = assignee.id
    session.add(handover)
    await session.flush()
    return case


# The written report of a dropout case goes to these, of the case's county and township.
WRITTEN_REPORT_RECIPIENTS = (
    (OrganizationKind.EDUCATION_BUREAU, 6),
    (OrganizationKind.TOWNSHIP_OFFICE, 9),
)


async def _written_report_recipients(session: AsyncSession, area_code: str) -> list[uuid.UUID]:
    """The county education bureau and the township office of a case's village (seed 004:
    书面报旗县（市、区）教育部门和苏木乡镇); RECIPIENT_MISSING when either is not on file.

    The directory is read as a table: these bodies receive the report whether or not the
    writer may see them."""
    table = Organization.__table__
    found: list[uuid.UUID] = []
    for kind, digits in WRITTEN_REPORT_RECIPIENTS:
        query = (
            select(table.c.id)
            .where(
                table.c.kind == kind,
                table.c.area_code == area_code[:digits],
                table.c.deleted_at.is_(None),
            )
            .order_by(table.c.id)
        )
        ids = list((await session.execute(query)).scalars())
        if not ids:
            raise refuse(
                "RECIPIENT_MISSING", "caseId", "no {kind} is on file for the case's area",
                {"kind": kind},
            )  # fmt: skip
        found += ids
    return found


async def _end_tasks_about(session: AsyncSession, actor: Actor, case: Case) -> None:
    """A closed case owes nothing more: the open tasks about it (the township's response to
    a report the rules made, its deadline tasks) are done, closed by the service."""
    await close_open_tasks(
        session, actor.now,
        TASKS.c.subject_type == TaskSubject.CASE, TASKS.c.subject_id == case.id,
    )  # fmt: skip


def _stage_change_note(action: CaseAction, step: StepData) -> str | None:
    """What the stage change records besides the stages: why the case was closed."""
    reason = step.reason.strip() if step.reason else None
    if action is CaseAction.CLOSE_AS_UNFOUNDED and reason:
        return f"核查不实：{reason}"
    return reason if action is CaseAction.CLOSE else None


def _category_step(
    case: Case, actor: Actor, action: CaseAction, step: StepData, recipients: list[uuid.UUID]
) -> list[CaseEvent]:
    """What a dropout step does besides the stage: the status the school reads, and the
    written report with its recipients."""
    status = DROPOUT_FOLLOW_UP_AFTER.get(action)
    if status is not None:
        case.dropout_follow_up = status
    if action is CaseAction.SEND_WRITTEN_REPORT and step.report:
        return [
            _event(
                case, actor, CaseEventKind.WRITTEN_REPORT, note=step.report.strip(),
                recipient_organization_ids=recipients,
            )
        ]  # fmt: skip
    return []


async def _open_case_of(
    session: AsyncSession, child_id: uuid.UUID, category: CaseCategory
) -> dict[str, Any] | None:
    """The child's open case of `category`, the oldest if there are several: the situation a
    new report about the same thing joins. Read as a table, because the reporter may report
    without being allowed to read cases (row-level security still bounds it)."""
    table = Case.__table__
    query = (
        select(table)
        .where(
            table.c.child_id == child_id,
            table.c.category == category,
            table.c.closed_at.is_(None),
            table.c.deleted_at.is_(None),
        )
        .order_by(table.c.reported_at, table.c.id)
        .limit(1)
    )
    row = (await session.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def _join(
    session: AsyncSession,
    actor: Actor,
    case_row: dict[str, Any],
    event_id: uuid.UUID,
    values: dict[str, Any],
) -> Case:
    """Add a report to the open case it is about (one case per situation): a `reported`
    event with its reporter, source and description, whose id is the report's client id so
    that a retry finds it. A report that goes to the police makes the case one they see."""
    cases = Case.__table__
    if await session.scalar(select(cases.c.id).where(cases.c.id == event_id)) is not None:
        # The id names a case (one the caller may know, as a school knows its follow-ups'):
        # answered as any id already taken, never by joining the case it names.
        raise refuse("INVALID_ID", "id", "this id cannot be used: make a new one")
    event = case_event(
        case_row["id"], case_row["area_code"], actor, CaseEventKind.REPORTED,
        source=values["source"], reporter_organization_id=values["reporter_organization_id"],
        note=values["description"],
    )  # fmt: skip
    event.id = event_id
    session.add(event)
    if values["reported_to_police"] and not case_row["reported_to_police"]:
        table = cast(Table, Case.__table__)
        await session.execute(
            update(table).where(table.c.id == case_row["id"]).values(reported_to_police=True)
        )
        case_row = case_row | {"reported_to_police": True}
    await session.flush()
    report = {key: getattr(event, key) for key in _REPORT_KEYS}
    return await _answer(session, case_row, report)


async def _joined_report(
    session: AsyncSession, actor: Actor, event_id: uuid.UUID, values: dict[str, Any]
) -> Case | None:
    """A retried report that joined an open case: the same answer as the first time
    (IDEMPOTENCY_CONFLICT if the id was sent with other content)."""
    events, cases = CaseEvent.__table__, Case.__table__
    query = (
        select(
            events, cases.c.child_id.label("case_child_id"), cases.c.category.label("case_category")
        )
        .join(cases, cases.c.id == events.c.case_id)
        .where(events.c.id == event_id, events.c.kind == CaseEventKind.REPORTED)
    )
    row = (await session.execute(query)).mappings().first()
    if row is None:
        return None
    sent = (row["case_child_id"], row["case_category"], row["note"], row["source"],
            row["actor_id"], row["reporter_organization_id"])  # fmt: skip
    if sent != (values["child_id"], values["category"], values["description"], values["source"],
                actor.user_id, values["reporter_organization_id"]):  # fmt: skip
        raise refuse("IDEMPOTENCY_CONFLICT", "id", "this id was already used for other content")
    case_row = (await session.execute(select(cases).where(cases.c.id == row["case_id"]))).mappings()
    report = {key: row[key] for key in _REPORT_KEYS}
    # In the service's time zone, as the first answer gave it (the database answers in UTC).
    report["occurred_at"] = report["occurred_at"].astimezone(actor.now.tzinfo)
    return await _answer(session, dict(case_row.one()), report)


# What the answer to a joined report takes from its event.
_REPORT_KEYS = ("source", "actor_id", "reporter_organization_id", "occurred_at", "note")


async def _answer(session: AsyncSession, case_row: dict[str, Any], report: dict[str, Any]) -> Case:
    """What a report that joined a case answers: the case, to a reporter who may read it;
    else the receipt of this report (its own source and description, never the case's)."""
    visible = await session.get(Case, case_row["id"], populate_existing=True)
    if visible is not None:
        return visible
    reported = Case(**case_row)
    reported.source = report["source"] or reported.source
    reported.reporter_id = report["actor_id"]
    reported.reporter_organization_id = report["reporter_organization_id"]
    reported.reported_at = report["occurred_at"]
    reported.description = report["note"] or ""
    return receipt(reported)


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
    await close_ended_about(session, [referral.id], actor.now, (TaskKind.REFERRAL_UNANSWERED,))
    return referral


# Intake for any report (app/domain/intake.py): a report about a child not on file opens a
# provisional file with the case; every case reported gets a number its reporter asks about.


async def number_case(session: AsyncSession, actor: Actor, case: Case) -> None:
    """Give a new case the next number of its county this year (counted in one row per
    county and year, locked by the update until the transaction ends)."""
    county, year = case.area_code[:6], actor.today.year
    counters = cast(Table, CaseNumberCounter.__table__)
    statement = (
        pg_insert(counters)
        .values(county_code=county, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[counters.c.county_code, counters.c.year],
            set_={"last_number": counters.c.last_number + 1},
        )
        .returning(counters.c.last_number)
    )
    sequence = (await session.execute(statement)).scalar_one()
    case.case_number = format_case_number(county, year, sequence)


@dataclass(frozen=True)
class IntakeData:
    """A report from any source (ReportIntakeInput): about a child on file (`child_id`) or
    one described (`child`), with the member of the public who made it, if one did."""

    category: CaseCategory
    description: str
    child_id: uuid.UUID | None = None
    child: ChildDescription | None = None
    source: ReportSource | None = None
    reported_to_police: bool | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None


async def report_intake(session: AsyncSession, actor: Actor, new: New) -> Case:
    """A report from any source: about a child on file it is `report_concern`; about a
    child not on file it opens the case and a provisional file where the report says, for
    the village to complete or merge. Idempotent by id."""
    data, found = merge_create(IntakeData, new.changes)
    if data is None:
        raise DomainError(found)
    found += subject_problems(data.child_id is not None, data.child is not None)
    found += reporter_problems(data.reporter_name, data.reporter_phone)
    if data.child is not None:
        found += description_problems(data.child, actor.today)
    raise_problems(found)
    contact = {
        "reporter_name": data.reporter_name.strip() if data.reporter_name else None,
        "reporter_phone": data.reporter_phone.replace(" ", "") if data.reporter_phone else None,
    }
    if data.child is None:
        concern = {key: value for key, value in new.changes.items() if key in _CONCERN_FIELDS}
        return await report_concern(session, actor, New(new.id, concern), contact=contact)
    return await _intake_unknown_child(session, actor, new.id, data, data.child, contact)


_CONCERN_FIELDS = frozenset(field.name for field in dataclass_fields(ConcernData))


async def _intake_unknown_child(
    session: AsyncSession,
    actor: Actor,
    case_id: uuid.UUID | None,
    data: IntakeData,
    described: ChildDescription,
    contact: dict[str, Any],
) -> Case:
    area_code = intake_area(described)
    field = "child.villageCode" if described.village_code else "child.townshipCode"
    level = AreaLevel.VILLAGE if described.village_code else AreaLevel.TOWNSHIP
    area = await session.get(Area, area_code)
    if area is None or area.level is not level:
        raise refuse("INVALID_AREA", field, "not a {level} on file", {"level": level})
    require(actor.scope, "case", "intake", area_code, field=field)
    values: dict[str, Any] = contact | report_values(
        actor, data.category, data.description, data.source, data.reported_to_police
    )
    existing = await existing_create(session, Case, case_id, values)
    if existing is not None:
        return existing
    child = await _provisional_child(session, actor, area_code, described)
    case, reported = new_case(
        actor, case_id or uuid.uuid4(), area_code, child_id=child.id, **values
    )
    await number_case(session, actor, case)
    session.add_all((case, reported))
    await session.flush()
    await outbox.case_reported(session, case)
    await refresh_children(session, [child.id], actor.today)
    return case


async def _provisional_child(
    session: AsyncSession, actor: Actor, area_code: str, described: ChildDescription
) -> Child:
    """A provisional file in its own household (the family is not known yet) at the place
    reported: what the report said, and the rest as a child of that age mostly is."""
    birth_date = provisional_birth_date(
        described.birth_date, described.approximate_age, actor.today
    )
    place = described.place.strip() if described.place and described.place.strip() else None
    household = Household(id=uuid.uuid4(), area_code=area_code, address=place or "待核实")
    child = Child(
        id=uuid.uuid4(),
        household_id=household.id,
        area_code=area_code,
        name=described.name.strip(),
        gender=described.gender,
        birth_date=birth_date,
        living_arrangement=LivingArrangement.WITH_PARENTS,
        school_status=provisional_school_status(age_on(birth_date, actor.today)),
        status=ChildStatus.PROVISIONAL,
    )
    session.add(household)
    await session.flush()
    session.add(child)
    await session.flush()
    return child


async def merge_provisional_child(
    session: AsyncSession,
    actor: Actor,
    provisional_id: uuid.UUID,
    expected_version: int,
    into_id: uuid.UUID,
) -> Child:
    """Match a provisional file to the child's file: its cases (with their events and
    referrals) and visits move onto that file, a MERGED event in each case says so, and the
    provisional file is archived as a duplicate; both histories are kept."""
    provisional: Child = await load_for_write(
        session, actor, Child, provisional_id, expected_version,
        field="provisionalId", what="child", permission=("child_file", "merge"),
    )  # fmt: skip
    if provisional.status is not ChildStatus.PROVISIONAL:
        raise refuse(
            "NOT_PROVISIONAL", "provisionalId", "the file is not provisional", current=provisional
        )
    into: Child = await load_visible(session, Child, into_id, "intoChildId", "child")
    require(actor.scope, "child_file", "merge", into.area_code, field="intoChildId")
    if into.status is not ChildStatus.ACTIVE:
        raise refuse("INVALID", "intoChildId", "merge into a child's file on file")
    cases = cast(Table, Case.__table__)
    moved = list(
        (
            await session.execute(
                update(cases)
                .where(cases.c.child_id == provisional.id)
                .values(child_id=into.id, area_code=into.area_code)
                .returning(cases.c.id)
            )
        ).scalars()
    )
    for table in (cast(Table, CaseEvent.__table__), cast(Table, CaseReferral.__table__)):
        await session.execute(
            update(table).where(table.c.case_id.in_(moved)).values(area_code=into.area_code)
        )
    visits = cast(Table, Visit.__table__)
    await session.execute(
        update(visits)
        .where(visits.c.child_id == provisional.id)
        .values(child_id=into.id, area_code=into.area_code)
    )
    note = f"待核实档案 {provisional.id}（{provisional.name}）并入儿童档案 {into.id}"
    session.add_all(
        case_event(case_id, into.area_code, actor, CaseEventKind.MERGED, note=note)
        for case_id in moved
    )
    mark_merged(actor, provisional, into)
    await session.flush()
    await refresh_children(session, [into.id, provisional.id], actor.today)
    await session.refresh(into)
    return into
