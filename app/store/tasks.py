"""Reading tasks (scoped: the caller's, those of its role in its areas, its own, its
organization's; authz/predicates.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import TaskKind, TaskStatus
from app.models import Task


def task_filters(status: TaskStatus | None, kind: TaskKind | None) -> list[ColumnElement[bool]]:
    """The conditions of the caller's live tasks of this status and kind (None: any)."""
    found: list[ColumnElement[bool]] = [Task.deleted_at.is_(None)]
    if status is not None:
        found.append(Task.status == status)
    if kind is not None:
        found.append(Task.kind == kind)
    return found


async def list_tasks(
    session: AsyncSession,
    *,
    status: TaskStatus | None,
    kind: TaskKind | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Task]:
    """The caller's tasks of this status and kind (None: any), latest first."""
    query = select(Task).where(*task_filters(status, kind))
    if after is not None:
        query = query.where(tuple_(Task.created_at, Task.id) < tuple_(*after))
    query = query.order_by(Task.created_at.desc(), Task.id.desc()).limit(limit)
    return list(await session.scalars(query))


async def count_tasks(
    session: AsyncSession, *, status: TaskStatus | None, kind: TaskKind | None
) -> int:
    """How many of the caller's tasks are of this status and kind."""
    query = select(func.count()).select_from(Task).where(*task_filters(status, kind))
    return await session.scalar(query) or 0


@dataclass(frozen=True)
class TaskCountRow:
    """Open tasks of one kind in one area."""

    area_code: str
    kind: TaskKind
    open: int
    overdue: int


async def count_open_tasks(
    session: AsyncSession, area_code: str, group_length: int, today: date
) -> list[TaskCountRow]:
    """Open tasks under `area_code` by kind and by the area of `group_length` digits they
    fall in, whoever owes them, with those past due on `today`. The caller's permission to
    count there is checked before (authz); read as a table, not the caller's own tasks."""
    tasks = cast(Table, Task.__table__).c
    area = func.substr(tasks.area_code, 1, group_length)
    rows = await session.execute(
        select(
            area,
            tasks.kind,
            func.count(),
            func.count().filter(tasks.due_on < today),
        )
        .where(
            tasks.area_code.startswith(area_code, autoescape=True),
            tasks.status == TaskStatus.OPEN,
            tasks.deleted_at.is_(None),
        )
        .group_by(area, tasks.kind)
        .order_by(area, tasks.kind)
    )
    return [TaskCountRow(code, kind, total, late) for code, kind, total, late in rows]
