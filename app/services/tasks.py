"""Tasks: the rules that open and close them after a write (app/domain/tasks.py), and
completing or dismissing one."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.tasks import Alert, Guardian, Situation, TaskRules, evaluate
from app.domain.validation import check_length, check_required, problems
from app.enums import (
    CaseCategory,
    ChildCategory,
    ChildStatus,
    ContactFrequency,
    GuardianshipStatus,
    ParentStatus,
    ReportSource,
    Role,
    TaskKind,
    TaskPriority,
    TaskStatus,
    TaskSubject,
)
from app.errors import raise_problems, refuse
from app.i18n import N_
from app.models import Case, Child, Guardianship, Parent, Task
from app.services import outbox
from app.services.cases import report_concern
from app.services.common import Actor, New, load_for_write
from app.services.task_closing import TASKS, close_open_tasks
from app.settings import get_settings
from app.store.tasks import TaskCountRow, count_open_tasks
from authz.scope import Scope

DISMISS_REASON_MAX = 500

# What a report the rules make says (stored, in the villages' language, like the reports
# people write).
_REPORT_DESCRIPTION = {
    CaseCategory.LIVING_ALONE: "系统依据档案自动报告：未满{age}周岁儿童独居，须立即报告公安机关。",
    CaseCategory.GUARDIAN_INCAPABLE: (
        "系统依据档案自动报告：未满{age}周岁儿童的监护人经评估无监护能力，须立即报告公安机关。"
    ),
    CaseCategory.MISSING: "系统依据档案自动报告：未满{age}周岁儿童走失，须立即报告公安机关。",
}
# Why each task is owed: catalogue templates, shown in the reader's language (schema/tasks).
_RESPOND_REASON = N_(
    "the child's file shows a situation that must be reported to the police at once: the "
    "service has reported it; the township supervisor responds"
)
_FIND_GUARDIAN_REASON = N_(
    "the guardian cannot look after the child, or the entrustment ended with no one to take "
    "over: find the child a new guardian"
)
_VILLAGE_REASON = {
    TaskKind.CONTACT_PARENTS: N_(
        "the parents working away never contact their left-behind child: urge them to call "
        "at least once a week"
    ),
    TaskKind.CONFIRM_GUARDIAN: N_(
        "the left-behind child has no entrusted guardian assessed and confirmed: guide the "
        "parents to entrust one and sign the confirmation"
    ),
}
_VILLAGE_PRIORITY = {
    TaskKind.CONTACT_PARENTS: TaskPriority.NORMAL,
    TaskKind.CONFIRM_GUARDIAN: TaskPriority.HIGH,
}


async def apply_task_rules(
    session: AsyncSession, actor: Actor, child_ids: Sequence[uuid.UUID]
) -> None:
    """Open the reports and tasks the children's situations call for and close the tasks
    whose situation ended. Call it after `refresh_children` in a write that changes what
    the rules look at; idempotent however often the same facts are saved.

    Read as tables, not through the caller's ORM scope: a village director writing a file
    must find the township's tasks about it too (row-level security still bounds it).
    """
    if not child_ids:
        return
    rules = get_settings().task_rules
    # Alerts to remember and village tasks to open are written for all the children at
    # once (a ledger import applies the rules to thousands); reports and closings are rare.
    raised: list[dict[str, Any]] = []
    opening: list[dict[str, Any]] = []
    for child_id, situation, area_code in await _situations(session, child_ids):
        firing = evaluate(situation, rules, actor.today)
        if firing.raised != situation.raised:
            raised.append({"child": child_id, "alerts": sorted(a.value for a in firing.raised)})
        for category in firing.reports:
            await _report(session, actor, child_id, category, rules)
        for kind, due_on in firing.open_village_tasks:
            opening.append(
                dict(
                    area_code=area_code, kind=kind, subject_type=TaskSubject.CHILD,
                    subject_id=child_id, child_id=child_id, reason=_VILLAGE_REASON[kind],
                    due_on=due_on, priority=_VILLAGE_PRIORITY[kind],
                    assignee_role=Role.VILLAGE_DIRECTOR,
                )
            )  # fmt: skip
        if firing.close_reports:
            await _close_responses(session, actor, child_id, firing.close_reports)
        if firing.close_village_tasks:
            await _close_ended(session, actor, child_id, firing.close_village_tasks)
        if firing.find_guardian_about is not None:
            opening.append(
                dict(
                    area_code=area_code, kind=TaskKind.FIND_GUARDIAN,
                    subject_type=TaskSubject.GUARDIANSHIP, subject_id=firing.find_guardian_about,
                    child_id=child_id, reason=_FIND_GUARDIAN_REASON,
                    due_on=firing.find_guardian_due, priority=TaskPriority.HIGH,
                    assignee_role=Role.VILLAGE_DIRECTOR,
                )
            )  # fmt: skip
        if firing.close_find_guardian:
            await _close_ended(session, actor, child_id, (TaskKind.FIND_GUARDIAN,))
    await _keep_raised(session, raised)
    await _open_tasks(session, opening)


# The alerts of every child in one statement: a child's alerts travel as one text (alerts
# have no comma), since the arrays of an array must all be of one length.
_KEEP_RAISED = text(
    "UPDATE children c SET raised_alerts = string_to_array(r.alerts, ',')::varchar(32)[]"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:alerts AS text[])) AS r(id, alerts)"
    " WHERE c.id = r.id"
)


async def _keep_raised(session: AsyncSession, raised: list[dict[str, Any]]) -> None:
    """Remember the alerts acted on, for the next save (not an edit: the version stays)."""
    if not raised:
        return
    await session.execute(
        _KEEP_RAISED,
        {
            "ids": [row["child"] for row in raised],
            "alerts": [",".join(row["alerts"]) for row in raised],
        },
    )


async def _close_responses(
    session: AsyncSession, actor: Actor, child_id: uuid.UUID, categories: Sequence[CaseCategory]
) -> None:
    """The township's responses to the child's reports of these categories are done: the
    danger is over (the case itself goes on until someone closes it)."""
    cases = cast(Table, Case.__table__)
    await close_open_tasks(
        session, actor.now,
        TASKS.c.child_id == child_id,
        TASKS.c.kind == TaskKind.RESPOND_TO_REPORT,
        TASKS.c.subject_id.in_(
            select(cases.c.id).where(cases.c.child_id == child_id, cases.c.category.in_(categories))
        ),
    )  # fmt: skip


async def _close_ended(
    session: AsyncSession, actor: Actor, child_id: uuid.UUID, kinds: Sequence[TaskKind]
) -> None:
    """The child's open tasks of these kinds are done: their situation ended."""
    await close_open_tasks(
        session, actor.now, TASKS.c.child_id == child_id, TASKS.c.kind.in_(kinds)
    )


async def _situations(
    session: AsyncSession, child_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, Situation, str]]:
    """Each active child's situation as the rules see it, with its village."""
    children = Child.__table__.c
    rows = (
        await session.execute(
            select(children.id, children.birth_date, children.living_arrangement,
                   children.area_code, children.missing_since, children.categories,
                   children.raised_alerts, children.household_id)
            .where(children.id.in_(child_ids), children.status == ChildStatus.ACTIVE,
                   children.deleted_at.is_(None))
        )
    ).all()  # fmt: skip
    guardianships = Guardianship.__table__.c
    active: dict[uuid.UUID, Guardian] = {}
    ended: dict[uuid.UUID, Guardian] = {}
    for row in await session.execute(
        select(Guardianship.__table__)
        .where(guardianships.child_id.in_(child_ids), guardianships.deleted_at.is_(None))
        .order_by(guardianships.created_at)
    ):
        is_active = row.status == GuardianshipStatus.ACTIVE
        guardian = Guardian(row.id, is_active, row.capacity, row.confirmed_at is not None)
        # The latest of each, by when it was recorded.
        (active if is_active else ended)[row.child_id] = guardian
    cases = Case.__table__.c
    open_cases: dict[uuid.UUID, set[CaseCategory]] = defaultdict(set)
    for child_id, category in await session.execute(
        select(cases.child_id, cases.category).where(
            cases.child_id.in_(child_ids), cases.closed_at.is_(None), cases.deleted_at.is_(None)
        )
    ):
        open_cases[child_id].add(category)
    parents = Parent.__table__.c
    silent_households = set(
        await session.scalars(
            select(parents.household_id).where(
                parents.household_id.in_({row.household_id for row in rows}),
                parents.deleted_at.is_(None),
                parents.status == ParentStatus.WORKING_AWAY,
                parents.contact_frequency == ContactFrequency.NEVER,
            )
        )
    )
    tasks = TASKS.c
    subjects: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for child_id, subject_id in await session.execute(
        select(tasks.child_id, tasks.subject_id).where(
            tasks.child_id.in_(child_ids), tasks.kind == TaskKind.FIND_GUARDIAN
        )
    ):
        subjects[child_id].add(subject_id)
    return [
        (
            row.id,
            Situation(
                birth_date=row.birth_date,
                living_arrangement=row.living_arrangement,
                guardian=active.get(row.id),
                ended_guardian=ended.get(row.id),
                open_case_categories=frozenset(open_cases[row.id]),
                find_guardian_subjects=frozenset(subjects[row.id]),
                missing=row.missing_since is not None,
                left_behind=ChildCategory.LEFT_BEHIND in row.categories,
                parents_never_contact=row.household_id in silent_households,
                raised=frozenset(Alert(value) for value in row.raised_alerts),
            ),
            row.area_code,
        )
        for row in rows
    ]


async def _report(
    session: AsyncSession,
    actor: Actor,
    child_id: uuid.UUID,
    category: CaseCategory,
    rules: TaskRules,
) -> None:
    """Make the mandatory report through the path every report takes (joining an open case
    of the category, if one opened meanwhile), and give the township its task."""
    description = _REPORT_DESCRIPTION[category].format(age=rules.report_under_age)
    changes = {"child_id": child_id, "category": category, "description": description,
               "source": ReportSource.VILLAGE, "reported_to_police": True}  # fmt: skip
    case = await report_concern(session, actor, New(None, changes))
    due_on = clock.local_day(case.due_at) if case.due_at is not None else None
    await _open_task(
        session, area_code=case.area_code, kind=TaskKind.RESPOND_TO_REPORT,
        subject_type=TaskSubject.CASE, subject_id=case.id, child_id=child_id,
        reason=_RESPOND_REASON, due_on=due_on, priority=TaskPriority.URGENT,
        assignee_role=Role.TOWNSHIP_SUPERVISOR,
    )  # fmt: skip


async def _open_task(session: AsyncSession, *, due_on: date | None, **values: Any) -> None:
    """A task, unless one of its kind is open about its subject (the partial unique index)."""
    await _open_tasks(session, [{"due_on": due_on, **values}])


# A statement takes at most 32,767 parameters: a thousand tasks of ten columns each.
_TASKS_PER_STATEMENT = 1000


async def _open_tasks(session: AsyncSession, tasks: list[dict[str, Any]]) -> None:
    """Tasks, a statement per thousand, but those of a kind open about their subject (the
    partial unique index), each with its event."""
    table = TASKS
    for start in range(0, len(tasks), _TASKS_PER_STATEMENT):
        chunk = tasks[start : start + _TASKS_PER_STATEMENT]
        opened = await session.execute(
            pg_insert(table)
            .values([{"id": uuid.uuid4(), "status": TaskStatus.OPEN, **task} for task in chunk])
            .on_conflict_do_nothing(
                index_elements=[table.c.kind, table.c.subject_id, table.c.escalation_level],
                index_where=text("status = 'open'"),
            )
            .returning(table)
        )
        await outbox.tasks_opened(session, list(opened.mappings()))


async def _load_open(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, expected_version: int
) -> Task:
    """A task of the caller's, open, at the version the caller saw."""
    task: Task = await load_for_write(
        session, actor, Task, task_id, expected_version,
        field="taskId", what="task", permission=("task", "complete"),
    )  # fmt: skip
    if task.status is not TaskStatus.OPEN:
        raise refuse("TASK_CLOSED", "taskId", "the task is already closed", current=task)
    return task


async def complete_task(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, expected_version: int
) -> Task:
    """Mark one of the caller's open tasks done."""
    task = await _load_open(session, actor, task_id, expected_version)
    task.status = TaskStatus.DONE
    task.closed_by_id = actor.user_id
    task.closed_at = actor.now
    await session.flush()
    return task


async def dismiss_task(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, expected_version: int, reason: str
) -> Task:
    """Dismiss one of the caller's open tasks, saying why (it is not owed after all)."""
    raise_problems(
        problems(
            check_required(reason, "reason"), check_length(reason, "reason", DISMISS_REASON_MAX)
        )
    )
    task = await _load_open(session, actor, task_id, expected_version)
    task.status = TaskStatus.DISMISSED
    task.dismiss_reason = reason.strip()
    task.closed_by_id = actor.user_id
    task.closed_at = actor.now
    await session.flush()
    return task


# The code length of the level below each level (app/areas.py CODE_LENGTH): counts are
# grouped by the areas under the one asked for (a village's by itself).
_GROUP_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}


async def task_counts(
    session: AsyncSession, scope: Scope, area_code: str, today: date
) -> list[TaskCountRow] | None:
    """The open tasks of `area_code` by kind and by the areas one level below it, for a
    caller who may count tasks there; None otherwise (unknown and forbidden areas alike)."""
    length = _GROUP_LENGTH.get(len(area_code))
    if length is None or not area_code.isdigit() or not scope.allows("task", "count", area_code):
        return None
    return await count_open_tasks(session, area_code, length, today)
