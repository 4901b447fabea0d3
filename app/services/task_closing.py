"""Tasks the service closes itself: their situation ended, so they are done, closed by no one.

One statement for every such closing (a guardian confirmed, a report's danger over, a case
closed), read as the table rather than through the caller's ORM scope: the writer whose save
ended the situation need not be the task's holder (row-level security still bounds it).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import TaskStatus
from app.models import Task

TASKS = cast(Table, Task.__table__)


async def close_open_tasks(
    session: AsyncSession, now: datetime, *where: ColumnElement[bool]
) -> None:
    """Mark done, as of `now` and by no one, the open tasks that match `where`."""
    await session.execute(
        update(TASKS)
        .where(TASKS.c.status == TaskStatus.OPEN, *where)
        .values(status=TaskStatus.DONE, closed_at=now)
    )
