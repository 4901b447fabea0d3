"""`myTasks`: the caller's tasks; `taskCounts`: the open tasks of an area by kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from sqlalchemy import String, cast, tuple_

from app import clock
from app.enums import TaskKind, TaskStatus
from app.models import Task as TaskModel
from app.services.tasks import task_counts
from app.store import json_sql
from app.store.tasks import count_tasks, list_tasks, task_filters
from schema.compiler.mapping import Compilation, Listed, RootList
from schema.context import Info
from schema.core.errors import QueryError
from schema.core.pagination import connection, decode_timed_cursor
from schema.tasks.types import Task, TaskConnection, TaskCount


@strawberry.type
class TaskQuery:
    @strawberry.field(
        description="Your tasks: those of your role in your areas, your own and your "
        "organization's, latest first; of one status and kind if given."
    )
    async def my_tasks(
        self,
        info: Info,
        status: TaskStatus | None = None,
        kind: TaskKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> TaskConnection:
        return await connection(
            info, TaskConnection, first=first, after=after,
            cursor=decode_timed_cursor,
            rows=lambda s, key, limit: list_tasks(
                s, status=status, kind=kind, after=key, limit=limit
            ),
            count=lambda s: count_tasks(s, status=status, kind=kind),
            key=lambda r: f"{r.created_at.isoformat()}|{r.id}",
            node=Task.from_model,
        )  # fmt: skip

    @strawberry.field(
        description="The open tasks in an area by kind, whoever owes them, one row per kind "
        "and area one level below (a township's villages, a county's townships), with how "
        "many are past due: for supervisors and above (NOT_FOUND elsewhere)."
    )
    async def task_counts(self, info: Info, area_code: str) -> list[TaskCount]:
        today = clock.today()
        rows = await info.context.db.read(
            lambda s: task_counts(s, info.context.scope, area_code, today)
        )
        if rows is None:
            raise QueryError(
                "NOT_FOUND", "no task counts of area {area} for you", {"area": area_code}
            )
        return [TaskCount(area_code=r.area_code, kind=r.kind, open=r.open, overdue=r.overdue)
                for r in rows]  # fmt: skip


def _task_rows(row: Any, arguments: Mapping[str, Any], _compilation: Compilation) -> Listed:
    """`myTasks` in SQL: `list_tasks`'s rows, latest first, and its cursors."""
    after = decode_timed_cursor(arguments.get("after"))
    return Listed(
        where=task_filters(arguments.get("status"), arguments.get("kind")),
        order_by=[TaskModel.created_at.desc(), TaskModel.id.desc()],
        cursor_key=json_sql.iso_datetime(row.created_at) + "|" + cast(row.id, String),
        after=()
        if after is None
        else [tuple_(TaskModel.created_at, TaskModel.id) < tuple_(*after)],
        listing=False,
    )


TASK_ROOTS: Mapping[str, RootList] = {"myTasks": RootList("Task", rows=_task_rows)}
"""How SQL serves the caller's tasks (schema/compiler)."""
