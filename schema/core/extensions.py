"""Schema extensions that run around every operation: what errors may say, the audit trail,
the request's transaction."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.audit import Actor, write_read_event
from schema.context import Context
from schema.core.errors import QueryError
from schema.core.pagination import PaginationError

log = logging.getLogger(__name__)

# graphql-core's did_you_mean(): " Did you mean 'a', 'b', or 'c'?" (or "the enum value 'A'").
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")


class HideSchemaNames(SchemaExtension):
    """graphql-core suggests names of the schema in its errors ("Did you mean 'children'?").
    Only callers who may explore the schema get them: staff with the GraphiQL permission,
    and in development every caller with credentials; never an anonymous caller."""

    def on_operation(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context: Context = execution.context
        result = execution.result
        if result is None or not result.errors or shows_schema_names(context):
            return
        # The errors of validation are cached with the document and shared between
        # requests: each is copied, never changed.
        result.errors = [_without_suggestions(error) for error in result.errors]


def shows_schema_names(context: Context) -> bool:
    """Whether the caller's errors may suggest names of the schema."""
    if context.scope.principal.anonymous:
        return False
    return context.settings.graphiql or context.scope.can("graphql_ide", "use")


def _without_suggestions(error: GraphQLError) -> GraphQLError:
    message = _SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


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
