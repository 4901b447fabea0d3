"""GraphQL types of tasks: work a rule found owed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import String, and_, case, func
from strawberry import relay

from app.enums import Role, TaskKind, TaskPriority, TaskStatus, TaskSubject
from app.i18n import translate
from app.models import Task as TaskModel
from app.store import json_sql
from app.store.common import live_by_id
from schema.compiler.mapping import Compilation, Computed, SqlType
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row, global_id, read_nodes
from schema.core.pagination import CountedConnection

register_enums()

# The GraphQL type of each kind of subject, for its global id.
_SUBJECT_TYPES = {
    TaskSubject.CHILD: "Child",
    TaskSubject.CASE: "Case",
    TaskSubject.GUARDIANSHIP: "Guardianship",
    TaskSubject.REFERRAL: "CaseReferral",
    # A person of the staff register (a training owed): the register's node.
    TaskSubject.STAFF: "Staff",
}


@strawberry.type(
    description="Work owed by a role in an area (or a person, or an organization), opened "
    "by a rule; it closes itself when its situation ends, or is completed or dismissed."
)
class Task(relay.Node):
    id: relay.NodeID[str]
    kind: TaskKind
    subject_type: TaskSubject
    subject_id: strawberry.ID = strawberry.field(description="The subject's global id.")
    child_id: strawberry.ID | None = strawberry.field(
        description="The global id of the child the subject is about."
    )
    area_code: str = strawberry.field(description="The village of the subject.")
    reason: str = strawberry.field(description="Why the task is owed, in the reader's language.")
    due_on: date | None
    priority: TaskPriority
    status: TaskStatus
    assignee_role: Role | None
    dismiss_reason: str | None
    closed_at: datetime | None = strawberry.field(
        description="When it was completed, dismissed or closed itself."
    )
    closed_by_self: bool = strawberry.field(
        description="It closed itself: its situation ended (no one closed it)."
    )
    created_at: datetime
    version: int
    escalation_level: int = strawberry.field(
        description="0 at the level that owes it first; 1 escalated to the township, 2 to "
        "the county (a deadline rule's task still open past its due date)."
    )

    @classmethod
    def from_model(cls, row: TaskModel) -> Task:
        """The GraphQL view of a task row."""
        return from_row(
            cls, row,
            subject_id=global_id(_SUBJECT_TYPES[row.subject_type], row.subject_id),
            child_id=global_id("Child", row.child_id) if row.child_id else None,
            closed_by_self=row.closed_at is not None and row.closed_by_id is None,
            reason=translate(row.reason),
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Tasks by id, the caller's only."""
        return await read_nodes(
            info, node_ids, lambda s, ids: live_by_id(s, TaskModel, ids), cls.from_model
        )


@strawberry.type
class TaskConnection(CountedConnection[Task]):
    pass


@strawberry.type(description="Open tasks of one kind in one area.")
class TaskCount:
    area_code: str
    kind: TaskKind
    open: int
    overdue: int = strawberry.field(description="Of those, past their due day.")


def _subject_id(row: Any, _compilation: Compilation) -> Any:
    # The subject's global id: its type by the kind of subject (_SUBJECT_TYPES).
    type_name = case(
        *[
            (row.subject_type == json_sql.sql_text(subject.value), json_sql.sql_text(name))
            for subject, name in _SUBJECT_TYPES.items()
        ]
    )
    return func.gql_global_id(type_name, row.subject_id, type_=String)


def _reason(_compilation: Compilation, inputs: list[Any]) -> str:
    return translate(inputs[0])


TASK_SQL = SqlType(
    name="Task",
    model=TaskModel,
    columns={
        "subjectId": _subject_id,
        "childId": lambda row, _c: json_sql.global_id("Child", row.child_id),
        "closedBySelf": lambda row, _c: and_(
            row.closed_at.is_not(None), row.closed_by_id.is_(None)
        ),
    },
    # In the reader's language, which the request gives.
    computed={"reason": Computed(inputs=lambda row, _c: [row.reason], value=_reason)},
)
"""How SQL serves a task's fields (schema/compiler): the same values as `from_model`."""
