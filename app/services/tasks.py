"""Tasks: the rules that open and close them after a write (app/domain/tasks.py), and
completing or dismissing one."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.tasks import Guardian, Situation, TaskRules, evaluate
from app.domain.validation import check_length, check_required, problems
from app.enums import (
    CaseCategory,
    ChildStatus,
    GuardianshipStatus,
    ReportSource,
    Role,
    TaskKind,
    TaskPriority,
    TaskStatus,
    TaskSubject,
)
from app.errors import raise_problems, refuse
from app.models import Case, Child, Guardianship, Task
from app.services.cases import report_concern
from app.services.common import Actor, New, load_for_write
from app.settings import get_settings

DISMISS_REASON_MAX = 500

# What a report the rules make says (stored, in the villages' language, like the reports
# people write).
_REPORT_DESCRIPTION = {
    CaseCategory.LIVING_ALONE: "系统依据档案自动报告：未满{age}周岁儿童独居，须立即报告公安机关。",
    CaseCategory.GUARDIAN_INCAPABLE: (
        "系统依据档案自动报告：未满{age}周岁儿童的监护人经评估无监护能力，须立即报告公安机关。"
    ),
}
_RESPOND_REASON = "村（居）儿童主任档案显示须强制报告的情形，系统已报告，请乡镇儿童督导员响应。"
_FIND_GUARDIAN_REASON = "监护人无监护能力或委托监护已终止且无人接替，请另行确定监护人。"


def _table() -> Table:
    return cast(Table, Task.__table__)


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
    for child_id, situation, area_code in await _situations(session, child_ids):
        firing = evaluate(situation, rules, actor.today)
        for category in firing.reports:
            await _report(session, actor, child_id, category, rules)
        if firing.find_guardian_about is not None:
            await _open_task(
                session, area_code=area_code, kind=TaskKind.FIND_GUARDIAN,
                subject_type=TaskSubject.GUARDIANSHIP, subject_id=firing.find_guardian_about,
                child_id=child_id, reason=_FIND_GUARDIAN_REASON, due_on=firing.find_guardian_due,
                priority=TaskPriority.HIGH, assignee_role=Role.VILLAGE_DIRECTOR,
            )  # fmt: skip
        if firing.close_find_guardian:
            table = _table()
            await session.execute(
                update(table)
                .where(
                    table.c.child_id == child_id,
                    table.c.kind == TaskKind.FIND_GUARDIAN,
                    table.c.status == TaskStatus.OPEN,
                )
                .values(status=TaskStatus.DONE, closed_at=actor.now)
            )


async def _situations(
    session: AsyncSession, child_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, Situation, str]]:
    """Each active child's situation as the rules see it, with its village."""
    children = Child.__table__.c
    rows = (
        await session.execute(
            select(children.id, children.birth_date, children.living_arrangement,
                   children.area_code)
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
    tasks = _table().c
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
    table = _table()
    await session.execute(
        pg_insert(table)
        .values(id=uuid.uuid4(), due_on=due_on, status=TaskStatus.OPEN, **values)
        .on_conflict_do_nothing(
            index_elements=[table.c.kind, table.c.subject_id, table.c.escalation_level],
            index_where=text("status = 'open'"),
        )
    )


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
