"""Schema extensions that run around every operation: the audit trail, the request's
transaction, what errors may show."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.audit import Actor, write_audit_event
from schema.context import Context
from schema.core.errors import QueryError
from schema.core.pagination import PaginationError

log = logging.getLogger(__name__)


class AuditReads(SchemaExtension):
    """After an operation that showed sensitive fields, record who saw which records."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        execution = self.execution_context
        context: Context = execution.context
        if not context.audit.reads:
            return
        principal = context.scope.principal
        async with context.service_sessions() as session, session.begin():
            await write_audit_event(
                session,
                Actor(label=principal.label, user_id=principal.user_id),
                action="read",
                records=sorted(context.audit.reads),
                operation_name=execution.operation_name,
                query=execution.query,
                area_code=principal.area_code,
            )


class CloseRequestDatabase(SchemaExtension):
    """End the request's transaction and return its connection when the operation is done."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context: Context = self.execution_context.context
        await context.db.close()


def should_mask(error: GraphQLError) -> bool:
    """Hide what went wrong inside (a bug, a database error) from the caller; it is logged.

    Errors of the request itself stay readable: validation of the document (no original
    error) and the client errors the API raises on purpose (bad cursor or page size, unknown
    area).
    """
    original = error.original_error
    if original is None or isinstance(original, PaginationError | QueryError):
        return False
    log.error("unexpected error", exc_info=original)
    return True
