"""`myTasks`: the caller's tasks."""

from __future__ import annotations

import strawberry

from app.enums import TaskKind, TaskStatus
from app.store.tasks import count_tasks, list_tasks
from schema.context import Info
from schema.core.pagination import connection, decode_timed_cursor
from schema.tasks.types import Task, TaskConnection


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
