"""Text no record may hold: NUL characters and unpaired surrogates.

PostgreSQL refuses U+0000 in text and asyncpg cannot encode a lone surrogate (JSON's
"\\ud800" decodes to one), so either reaching the database fails the whole request. They are
found in the request's variables and the document's string literals before anything runs.
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, StringValueNode, Visitor, visit


def unsafe(text: str) -> bool:
    """Whether `text` holds a NUL character or an unpaired surrogate."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unsafe_variable(variables: dict[str, Any] | None) -> str | None:
    """Where the first unsafe text (a value or an object's key) in the variables is, as
    `$name.field[2]`; None if there is none."""
    # A stack, not recursion: variables may be nested deeper than Python recurses.
    stack: list[tuple[str, object]] = [
        (f"${name}", value) for name, value in (variables or {}).items()
    ]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if unsafe(value):
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and unsafe(key):
                    return where
                stack.append((f"{where}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
    return None


class _StringLiterals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: StringValueNode | None = None

    def enter_string_value(self, node: StringValueNode, *_args: object) -> object:
        if unsafe(node.value):
            self.found = node
            return self.BREAK
        return None


def unsafe_literal(document: DocumentNode) -> tuple[int, int] | None:
    """Where the first unsafe string literal of the document is: (line, column), (0, 0) if
    the document has no locations; None if there is none."""
    literals = _StringLiterals()
    visit(document, literals)
    node = literals.found
    if node is None:
        return None
    if node.loc is None:
        return 0, 0
    location = node.loc.source.get_location(node.loc.start)
    return location.line, location.column
