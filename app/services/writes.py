"""Running a write: one transaction, authorization inside it, audit with it, refusals as data.

Every write goes through `run_write`, whether a GraphQL mutation (schema/core/mutations.py)
or a plain HTTP route (app/web/integrations) asked for it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.domain.validation import Problem
from app.errors import DomainError
from app.request_database import RequestDatabase
from app.services.audit import write_audit_event
from app.services.common import Actor
from authz.guard import require_trained
from authz.scope import Scope

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


async def run_write(
    db: RequestDatabase,
    scope: Scope,
    *,
    action_name: str,
    operation_name: str | None,
    action: Callable[[AsyncSession, Actor], Awaitable[T]],
    records: Callable[[T], list[str]],
    needs_training: bool = True,
) -> T:
    """Run `action` in one transaction with an audit event (`action_name`, the `records` of
    its result), or write nothing at all.

    A director or supervisor with no passed training is refused (TRAINING_REQUIRED) before
    anything is written, unless the write is one they need before it (`needs_training`
    False: changing their own password).

    A refused write raises DomainError, with `current` for a VERSION_CONFLICT: the service's
    own refusal (its `after` has run, in a transaction of its own), a unique constraint the
    write ran into, or an edit that lost a race to a concurrent one.
    """
    if needs_training:
        require_trained(scope)
    actor = Actor(scope=scope, now=clock.now())

    async def transaction(session: AsyncSession) -> T:
        result = await action(session, actor)
        await write_audit_event(
            session,
            scope.principal,
            action=action_name,
            records=records(result),
            operation_name=operation_name,
        )
        return result

    try:
        return await db.write(transaction)
    except DomainError as error:
        if error.after is not None:
            await db.write(error.after)
        raise
    except IntegrityError as error:
        raise DomainError([_problem_of(error)]) from error
    except StaleDataError as error:
        raise DomainError([_LOST_RACE]) from error
