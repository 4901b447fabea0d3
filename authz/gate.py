"""What a caller without credentials may run: log in, and explore the schema in development.

Checked on the parsed document before it is validated (schema/core/admission.py): every
operation of the document, not only the one named, so that nothing else in it is even
validated for an anonymous caller.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from app.i18n import translate

# Each carries its own credential (password or refresh token) in its input.
ANONYMOUS_FIELDS = frozenset({"login", "refreshToken", "logout", "__typename"})
# What an account whose password was reset may do before changing it.
PASSWORD_CHANGE_FIELDS = ANONYMOUS_FIELDS | {"changePassword", "me"}
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def root_fields(document: DocumentNode) -> set[str]:
    """The root field names the document's operations select, through fragments and inline
    fragments."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return {
        name
        for operation in document.definitions
        if isinstance(operation, OperationDefinitionNode)
        for name in _fields(operation.selection_set, fragments, set())
    }


def _fields(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> Iterator[str]:
    for node in selections.selections:
        if isinstance(node, FieldNode):
            yield node.name.value
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            seen.add(node.name.value)
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments, seen)


def anonymous_refusal(
    document: DocumentNode,
    *,
    introspection: bool,
    reason: str | None,
) -> ExecutionResult | None:
    """The error result for an anonymous caller asking for more than it may; None if allowed.

    `reason` is the code of a credential that was presented but refused (e.g. TOKEN_EXPIRED),
    so the app knows to refresh rather than to ask for a password.
    """
    allowed = ANONYMOUS_FIELDS | (INTROSPECTION_FIELDS if introspection else frozenset())
    if root_fields(document) <= allowed:
        return None
    if reason is None:
        message = translate("authentication required")
    else:
        message = translate("the credentials were refused")
    error = GraphQLError(message, extensions={"code": reason or "UNAUTHENTICATED"})
    return ExecutionResult(data=None, errors=[error])


def password_change_refusal(document: DocumentNode) -> ExecutionResult | None:
    """The error result for an account that must change its one-time password and asks for
    anything else; None if allowed."""
    if root_fields(document) <= PASSWORD_CHANGE_FIELDS:
        return None
    message = translate("change the one-time password first (changePassword)")
    error = GraphQLError(message, extensions={"code": "PASSWORD_CHANGE_REQUIRED"})
    return ExecutionResult(data=None, errors=[error])
