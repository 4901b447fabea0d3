"""Schema extensions that run around every operation: the anonymous gate and the audit trail."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.audit import Actor, write_read_event
from authz.gate import anonymous_refusal
from schema.context import Context
from schema.core.errors import QueryError
from schema.core.pagination import PaginationError
from schema.core.persisted import MARKER, Lookup, refusal

log = logging.getLogger(__name__)


class PersistedDocumentGate(SchemaExtension):
    """Unknown persisted ids, and (in trusted-documents mode) documents outside the mobile
    contract from callers without the GraphiQL permission, are answered with an error."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context: Context = execution.context
        lookup = (execution.operation_extensions or {}).get(MARKER, Lookup(trusted=False))
        answer = refusal(
            lookup,
            trusted_only=context.settings.trusted_documents_only,
            may_use_any=context.scope.can("graphql_ide", "use"),
        )
        if answer is not None:
            execution.result = answer
        yield


class AuthenticationGate(SchemaExtension):
    """Callers without valid credentials may only log in (and introspect in development)."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context: Context = execution.context
        if (
            execution.result is None
            and context.scope.principal.anonymous
            and execution.graphql_document is not None
        ):
            refusal = anonymous_refusal(
                execution.graphql_document,
                execution.operation_name,
                introspection=context.request.app.state.settings.graphiql,
                reason=context.auth_error,
            )
            if refusal is not None:
                # A result set before execution makes strawberry skip executing.
                execution.result = refusal
        yield


class AuditReads(SchemaExtension):
    """After an operation that showed sensitive fields or children's files in full, record
    who saw which records."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        execution = self.execution_context
        context: Context = execution.context
        if context.audit.empty:
            return
        principal = context.scope.principal
        async with context.service_sessions() as session, session.begin():
            await write_read_event(
                session,
                Actor(label=principal.label, user_id=principal.user_id),
                context.audit,
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
