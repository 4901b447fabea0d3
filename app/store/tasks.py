"""Reading tasks (scoped: the caller's, those of its role in its areas, its own, its
organization's; authz/predicates.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import TaskKind, TaskStatus
from app.models import Task


def _filters(status: TaskStatus | None, kind: TaskKind | None) -> list[ColumnElement[bool]]:
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
    query = select(Task).where(*_filters(status, kind))
    if after is not None:
        query = query.where(tuple_(Task.created_at, Task.id) < tuple_(*after))
    query = query.order_by(Task.created_at.desc(), Task.id.desc()).limit(limit)
    return list(await session.scalars(query))


async def count_tasks(
    session: AsyncSession, *, status: TaskStatus | None, kind: TaskKind | None
) -> int:
    """How many of the caller's tasks are of this status and kind."""
    query = select(func.count()).select_from(Task).where(*_filters(status, kind))
    return await session.scalar(query) or 0
