"""What a GraphQL request must pass before its document is parsed and validated.

Cheap checks first, so that refusing costs little and only what may run is worked on:
1. the document's length (no parse, no hash, no registration of an over-long text);
2. the persisted id: an unknown one, or a text that is not its hash (no parse);
3. in trusted-documents mode, a document outside the mobile contract from a caller without
   the GraphiQL permission (a hash comparison, no parse);
4. without credentials, a document asking for anything but logging in: the document, at
   most ANONYMOUS_MAX_DOCUMENT_CHARS long, is parsed but never validated; likewise an
   account whose password was reset, asking for anything but changing it.
Each refusal is a GraphQL error with a stable code, answered with HTTP 200 like any other
GraphQL error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import ExecutionResult, GraphQLError, GraphQLSyntaxError, parse

from app.i18n import translate
from app.settings import Settings
from authz.gate import anonymous_refusal, password_change_refusal
from authz.scope import Scope
from schema.core.persisted import AutomaticQueries, refusal, resolve

# Logging in takes a few hundred characters; GraphiQL's introspection query (development
# only) about 1,700.
ANONYMOUS_MAX_DOCUMENT_CHARS = 4_000


@dataclass(frozen=True)
class Admission:
    """The document to run, or the answer to give instead of running anything."""

    query: str | None
    refused: ExecutionResult | None = None


def admit(
    query: str | None,
    extensions: dict[str, Any] | None,
    document_id: str | None,
    *,
    scope: Scope,
    settings: Settings,
    auth_error: str | None,
    registered: AutomaticQueries,
    get: bool = False,
) -> Admission:
    """Whether the request may go on to parsing and validation, and with which document."""
    anonymous = scope.principal.anonymous
    if query is not None:
        limit = settings.max_document_chars
        if anonymous:
            limit = min(limit, ANONYMOUS_MAX_DOCUMENT_CHARS)
        if len(query) > limit:
            return Admission(None, _too_large(len(query), limit))
    resolved, lookup = resolve(
        query, extensions, document_id, registered, register=not settings.trusted_documents_only
    )
    refused = refusal(
        lookup,
        trusted_only=settings.trusted_documents_only,
        may_use_any=scope.can("graphql_ide", "use"),
        get=get,
    )
    if refused is not None:
        return Admission(None, refused)
    if (anonymous or scope.principal.must_change_password) and resolved is not None:
        try:
            document = parse(resolved, no_location=True)
        except GraphQLSyntaxError:
            return Admission(resolved)  # strawberry reports the syntax error
        if anonymous:
            refused = anonymous_refusal(
                document, introspection=settings.graphiql, reason=auth_error
            )
        else:
            refused = password_change_refusal(document)
        if refused is not None:
            return Admission(None, refused)
    return Admission(resolved)


def _too_large(length: int, limit: int) -> ExecutionResult:
    message = translate(
        "the document has {length} characters, more than the {maximum} allowed",
        {"length": length, "maximum": limit},
    )
    error = GraphQLError(message, extensions={"code": "DOCUMENT_TOO_LARGE"})
    return ExecutionResult(data=None, errors=[error])
