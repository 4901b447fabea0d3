"""What a caller without credentials may run: log in, and explore the schema in development."""

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
    SelectionSetNode,
    get_operation_ast,
)

from app.i18n import translate

# Each carries its own credential (password or refresh token) in its input.
ANONYMOUS_FIELDS = frozenset({"login", "refreshToken", "logout", "__typename"})
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def root_fields(document: DocumentNode, operation_name: str | None) -> set[str]:
    """The root field names an operation selects, through fragments and inline fragments."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return set()
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return set(_fields(operation.selection_set, fragments, set()))


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
    operation_name: str | None,
    *,
    introspection: bool,
    reason: str | None,
) -> ExecutionResult | None:
    """The error result for an anonymous caller asking for more than it may; None if allowed.

    `reason` is the code of a credential that was presented but refused (e.g. TOKEN_EXPIRED),
    so the app knows to refresh rather than to ask for a password.
    """
    allowed = ANONYMOUS_FIELDS | (INTROSPECTION_FIELDS if introspection else frozenset())
    if root_fields(document, operation_name) <= allowed:
        return None
    if reason is None:
        message = translate("authentication required")
    else:
        message = translate("the credentials were refused")
    error = GraphQLError(message, extensions={"code": reason or "UNAUTHENTICATED"})
    return ExecutionResult(data=None, errors=[error])
