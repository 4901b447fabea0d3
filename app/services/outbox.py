"""The outbox: what partner systems are told, written in the transaction that caused it.

`emit` appends one event to `outbox_events` on the writer's own session, so the event
exists exactly when the write commits (a refused write leaves none); the delivery worker
(app/services/webhooks/delivery.py) fans it out to the county's subscribers later. An
event's payload is minimal: ids, the case number, category, stage, area, dates and flags,
never a child's name, ID number, phone or address; a receiver that needs more asks the API
with its own credentials, within its own scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app import clock
from app.enums import CaseStage, OutboxEventKind
from app.models import Case, Child, OutboxEvent


def _table() -> Table:
    return cast(Table, OutboxEvent.__table__)


async def emit(
    session: AsyncSession, kind: OutboxEventKind, area_code: str, payload: dict[str, Any]
) -> uuid.UUID:
    """Append an event to the outbox in the session's transaction; returns its id (the one
    receivers de-duplicate on)."""
    event_id = uuid.uuid4()
    # A plain INSERT: the service's role may append events but not read them back.
    await session.execute(
        insert(_table()).values(
            id=event_id, kind=kind, area_code=area_code, occurred_at=clock.now(),
            payload=payload,
        )
    )  # fmt: skip
    return event_id


def _moment(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def case_facts(case: Case) -> dict[str, Any]:
    """What an event says of a case: ids, number, category, stage and dates."""
    return {
        "case": {
            "id": str(case.id),
            "caseNumber": case.case_number,
            "category": case.category.value,
            "stage": case.stage.value,
            "reportedToPolice": case.reported_to_police,
            "due": _moment(case.due_at),
        },
        "childId": str(case.child_id) if case.child_id else None,
    }


async def case_reported(session: AsyncSession, case: Case) -> None:
    """A new case was reported (by a person, or by the rules themselves)."""
    facts = case_facts(case) | {"source": case.source.value}
    await emit(session, OutboxEventKind.CASE_REPORTED, case.area_code, facts)


async def case_stage_changed(session: AsyncSession, case: Case, from_stage: CaseStage) -> None:
    """A case moved to another stage of its workflow: closing it is its own kind."""
    kind = (
        OutboxEventKind.CASE_CLOSED
        if case.stage is CaseStage.CLOSED
        else OutboxEventKind.CASE_STAGE_CHANGED
    )
    facts = case_facts(case) | {"fromStage": from_stage.value}
    await emit(session, kind, case.area_code, facts)


def _task_facts(task: Mapping[str, Any]) -> dict[str, Any]:
    """What an event says of a task: ids, kind, owner, priority, due day and level."""
    return {
        "task": {
            "id": str(task["id"]),
            "kind": str(task["kind"]),
            "subjectType": str(task["subject_type"]),
            "subjectId": str(task["subject_id"]),
            "priority": str(task["priority"]),
            "due": _moment(task["due_on"]),
            "assigneeRole": None if task["assignee_role"] is None else str(task["assignee_role"]),
            "escalationLevel": task["escalation_level"],
        },
        "childId": str(task["child_id"]) if task["child_id"] else None,
    }


async def tasks_opened(
    executor: AsyncSession | AsyncConnection,
    tasks: Sequence[Mapping[Any, Any]],
    kind: OutboxEventKind = OutboxEventKind.TASK_OPENED,
) -> None:
    """Tasks a set-based write opened (the daily job's deadline tasks, or escalations with
    `TASK_ESCALATED`): one event each, in one statement of the writer's transaction."""
    if not tasks:
        return
    now = clock.now()
    await executor.execute(
        insert(_table()),
        [
            {"id": uuid.uuid4(), "kind": kind, "area_code": task["area_code"],
             "occurred_at": now, "payload": _task_facts(task)}
            for task in tasks
        ],
    )  # fmt: skip


async def child_merged(
    session: AsyncSession,
    kept: Child,
    duplicate_id: uuid.UUID,
    case_ids: Sequence[uuid.UUID],
) -> None:
    """A duplicate file was merged into the child's file: a receiver holding the duplicate's
    id (`mergedChildId`) or its cases (`caseIds`, now the kept file's) re-points them."""
    facts = {
        "childId": str(kept.id),
        "mergedChildId": str(duplicate_id),
        "caseIds": [str(case_id) for case_id in case_ids],
    }
    await emit(session, OutboxEventKind.CHILD_MERGED, kept.area_code, facts)
