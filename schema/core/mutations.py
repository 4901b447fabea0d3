"""Running a mutation: one transaction, authorization inside it, audit with it, errors as data."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.audit import Actor as AuditActor
from app.audit import write_audit_event
from app.domain.validation import Problem
from app.errors import DomainError
from app.services.common import Actor
from schema.context import Info
from schema.core.errors import UserError

T = TypeVar("T")

# Unique constraints a client can run into, and what they mean to it.
_CONSTRAINTS = {
    "uq_guardianships_active_child": Problem(
        "GUARDIAN_ALREADY_ACTIVE", "childId", "the child already has an active guardian"
    ),
}
# An edit whose version check passed, but whose UPDATE found the row edited by a transaction
# that committed in between (the ORM's `WHERE version = :expected` matched nothing).
_LOST_RACE = Problem(
    "VERSION_CONFLICT",
    "expectedVersion",
    "the record was changed while this edit was written: read it again, merge and retry",
)


@dataclass
class Outcome(Generic[T]):
    """A mutation's result, or why there is none (and the record as it is, on a conflict)."""

    result: T | None = None
    errors: list[UserError] = field(default_factory=list)
    current: Any = None


# A create whose client id is taken by a record the caller cannot see (the scoped lookup of
# services/common.existing_create found nothing, the primary key did). It must not read as
# "there is a record here": it is answered as an id that cannot be used, whatever holds it.
_ID_TAKEN = Problem("INVALID_ID", "id", "this id cannot be used: make a new one")
_PRIMARY_KEY = re.compile(r'unique constraint "pk_\w+"')


def _problem_of(error: IntegrityError) -> Problem:
    text = str(error.orig)
    for constraint, problem in _CONSTRAINTS.items():
        if constraint in text:
            return problem
    if _PRIMARY_KEY.search(text):
        return _ID_TAKEN
    return Problem("CONFLICT", "id", "the record conflicts with one already on file")


async def run_mutation(
    info: Info,
    action: Callable[[AsyncSession, Actor], Awaitable[T]],
    records: Callable[[T], list[str]],
) -> Outcome[T]:
    """Run `action` in one transaction with an audit event, or write nothing at all."""
    context = info.context
    principal = context.scope.principal
    actor = Actor(scope=context.scope, now=clock.now())

    async def transaction(session: AsyncSession) -> T:
        result = await action(session, actor)
        await write_audit_event(
            session,
            AuditActor(label=principal.label, user_id=principal.user_id),
            action=info.field_name,
            records=records(result),
            operation_name=info.operation.name.value if info.operation.name else None,
            area_code=principal.area_code,
        )
        return result

    try:
        return Outcome(result=await context.db.write(transaction))
    except DomainError as error:
        if error.after is not None:
            await context.db.write(error.after)
        return Outcome(
            errors=[UserError.from_problem(p) for p in error.problems], current=error.current
        )
    except IntegrityError as error:
        return Outcome(errors=[UserError.from_problem(_problem_of(error))])
    except StaleDataError:
        return Outcome(errors=[UserError.from_problem(_LOST_RACE)])
    finally:
        # Rows may have changed: nothing loaded before the write may be served after it.
        context.loaders.clear_all()
