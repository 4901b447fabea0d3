"""Running a mutation: the write runner (app/services/writes.py), its refusals as the
payload's typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import DomainError
from app.services.common import Actor
from app.services.writes import run_write
from schema.context import Info
from schema.core.errors import UserError

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """A mutation's result, or why there is none (and the record as it is, on a conflict)."""

    result: T | None = None
    errors: list[UserError] = field(default_factory=list)
    current: Any = None


async def run_mutation(
    info: Info,
    action: Callable[[AsyncSession, Actor], Awaitable[T]],
    records: Callable[[T], list[str]],
    *,
    needs_training: bool = True,
) -> Outcome[T]:
    """Run `action` in one transaction with an audit event, or write nothing at all
    (`needs_training`: see run_write)."""
    context = info.context
    try:
        result = await run_write(
            context.db,
            context.scope,
            action_name=info.field_name,
            operation_name=info.operation.name.value if info.operation.name else None,
            action=action,
            records=records,
            needs_training=needs_training,
        )
    except DomainError as error:
        return Outcome(
            errors=[UserError.from_problem(p) for p in error.problems], current=error.current
        )
    finally:
        # Rows may have changed: nothing loaded before the write may be served after it.
        context.loaders.clear_all()
    return Outcome(result=result)
