"""Schema extensions that run around every operation: text refused before it runs, what
errors may say and the code each carries, the audit trail, the request's transaction."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator

from graphql import ExecutionResult, GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.relay import GlobalIDValueError
from strawberry.types import ExecutionResult as StrawberryExecutionResult

from app.i18n import translate
from app.request_database import QueryTimeout
from app.services.audit import write_read_event
from schema.context import Context
from schema.core.text import unsafe_literal, unsafe_variable

log = logging.getLogger(__name__)

# graphql-core's did_you_mean(): " Did you mean 'a', 'b', or 'c'?" (or "the enum value 'A'").
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")


class CachedParsing(ParserCache):
    """strawberry's ParserCache, except that a document that does not parse is left to
    strawberry's own parsing, which answers the syntax error as the operation's result
    (ParserCache raises it past the other extensions, so TypedErrors never saw it)."""

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        with contextlib.suppress(GraphQLError):
            execution.graphql_document = self.cached_parse_document(
                execution.query, **execution.parse_options
            )
        yield


class RefuseUnsafeText(SchemaExtension):
    """Text with a NUL character or an unpaired surrogate, in a variable or a string literal,
    is refused before anything runs (schema/core/text.py): no record may hold it."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        if execution.result is None and execution.graphql_document is not None:
            variable = unsafe_variable(execution.variables)
            literal = unsafe_literal(execution.graphql_document)
            if variable is not None:
                message = translate(
                    "{variable} holds a NUL character (U+0000) or an unpaired surrogate",
                    {"variable": variable},
                )
            elif literal is not None:
                line, column = literal
                message = translate(
                    "the text at line {line}, column {column} holds a NUL character (U+0000) "
                    "or an unpaired surrogate",
                    {"line": line, "column": column},
                )
            if variable is not None or literal is not None:
                error = GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
                execution.result = ExecutionResult(data=None, errors=[error])
        yield


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
        async with context.service_sessions() as session, session.begin():
            await write_read_event(
                session,
                context.scope.principal,
                context.audit,
                operation_name=execution.operation_name,
                query=execution.query,
            )


class CloseRequestDatabase(SchemaExtension):
    """End the request's transaction and return its connection when the operation is done."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context: Context = self.execution_context.context
        await context.db.close()


class TypedErrors(SchemaExtension):
    """Every error answered carries a stable `extensions.code`.

    What the client got wrong is said as it is: the document (GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED), variables or arguments of the wrong type (BAD_USER_INPUT),
    ids that are no global id of the service (INVALID_ID), and the errors the API raises on
    purpose (their own codes). Anything else is a bug or a failure inside (a database error):
    logged, and answered as INTERNAL_SERVER_ERROR without details.
    """

    def on_execute(self) -> Iterator[None]:
        yield
        # Errors without an original that execution reports are graphql-core's checks of
        # the variables (a required one missing, a wrong type).
        _retype(self.execution_context.result, lambda error: _typed(error, executing=True))

    def on_operation(self) -> Iterator[None]:
        yield
        # What is left without a code comes from parsing and validating the document.
        _retype(self.execution_context.result, lambda error: _typed(error, executing=False))


def _retype(result: object, typed: Callable[[GraphQLError], GraphQLError]) -> None:
    # graphql-core's result after execution, strawberry's when parsing or validation failed.
    if isinstance(result, ExecutionResult | StrawberryExecutionResult) and result.errors:
        result.errors = [typed(error) for error in result.errors]


def _typed(error: GraphQLError, *, executing: bool) -> GraphQLError:
    if (error.extensions or {}).get("code"):
        return error
    original = error.original_error
    if original is None:
        if isinstance(error, GraphQLSyntaxError):
            return _copy(error, error.message, extensions={"code": "GRAPHQL_PARSE_FAILED"})
        if executing:
            return _bad_input(error)
        return _copy(error, error.message, extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
    if isinstance(original, QueryTimeout):
        # Said when raised, in the request's language.
        return _copy(error, error.message, extensions={"code": original.code})
    if isinstance(original, GlobalIDValueError):
        message = translate("not a valid global id: {detail}", {"detail": error.message})
        return _copy(error, message, extensions={"code": "INVALID_ID"})
    if isinstance(original, GraphQLError | StrawberryInputCoercionError):
        # graphql-core's coercion of a variable, strawberry's of an argument.
        return _bad_input(error)
    log.error("unexpected error", exc_info=original)
    return _copy(
        error, translate("Unexpected error."), extensions={"code": "INTERNAL_SERVER_ERROR"}
    )


def _bad_input(error: GraphQLError) -> GraphQLError:
    # graphql-core's detail (which variable, which value, what was expected) stays English.
    message = translate("invalid input: {detail}", {"detail": error.message})
    return _copy(error, message, extensions={"code": "BAD_USER_INPUT"})


def _copy(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    # A new error: the ones found in validation are cached and shared between requests.
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )
