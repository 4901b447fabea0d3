"""Completing and dismissing tasks."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay

from app.models import Task as TaskModel
from app.services import tasks
from schema.context import Info
from schema.core.errors import UserError
from schema.core.mutations import Outcome, run_mutation
from schema.core.payloads import current_as, maybe, uuid_of
from schema.tasks.types import Task


@strawberry.input
class CompleteTaskInput:
    task_id: relay.GlobalID
    expected_version: int


@strawberry.input
class DismissTaskInput:
    task_id: relay.GlobalID
    expected_version: int
    reason: str = strawberry.field(description="Why the task is not owed after all.")


@strawberry.type
class TaskPayload:
    task: Task | None
    errors: list[UserError]
    current: Task | None = strawberry.field(
        default=None, description="On VERSION_CONFLICT or TASK_CLOSED: the task as it is now."
    )


def _payload(outcome: Outcome[TaskModel]) -> TaskPayload:
    return TaskPayload(
        task=maybe(outcome.result, Task.from_model),
        errors=outcome.errors,
        current=current_as(outcome.current, TaskModel, Task.from_model),
    )


def _records(task: TaskModel) -> list[str]:
    return [f"Task:{task.id}"]


def _task_id(value: relay.GlobalID) -> uuid.UUID:
    return uuid_of(value, "Task") or uuid.UUID(int=0)


@strawberry.type
class TaskMutation:
    @strawberry.mutation(description="Mark one of your open tasks done.")
    async def complete_task(self, info: Info, input: CompleteTaskInput) -> TaskPayload:
        target = _task_id(input.task_id)
        outcome = await run_mutation(
            info,
            lambda s, actor: tasks.complete_task(s, actor, target, input.expected_version),
            _records,
        )
        return _payload(outcome)

    @strawberry.mutation(description="Dismiss one of your open tasks, saying why.")
    async def dismiss_task(self, info: Info, input: DismissTaskInput) -> TaskPayload:
        target = _task_id(input.task_id)
        outcome = await run_mutation(
            info,
            lambda s, actor: tasks.dismiss_task(
                s, actor, target, input.expected_version, input.reason
            ),
            _records,
        )
        return _payload(outcome)
