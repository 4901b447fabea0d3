"""Spans per root field of the strawberry path, when tracing is on: the resolver groups of a
trace. A span per field would be thousands for a page of children, each costing more than
the field; a root field's span holds its own resolver's SQL, and what the nested fields load
(batched by the data loaders, after the root resolver returns) falls under the operation's
span."""

from __future__ import annotations

from collections.abc import Callable
from inspect import isawaitable
from typing import Any

from graphql import GraphQLResolveInfo
from strawberry import Schema
from strawberry.extensions import SchemaExtension

from app.observability import tracing


class RootFieldSpans(SchemaExtension):
    """A span around each root field's resolver, named after the field."""

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """Nested fields pass straight through; a root field runs in its span."""
        if info.path.prev is not None:
            return _next(root, info, *args, **kwargs)
        return _traced(_next, root, info, *args, **kwargs)


async def _traced(
    _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
) -> Any:
    with tracing.span(f"resolve {info.field_name}", {"graphql.field.name": info.field_name}):
        result = _next(root, info, *args, **kwargs)
        if isawaitable(result):
            result = await result
        return result


def trace_root_fields(schema: Schema) -> None:
    """Add the root field spans to `schema` (once: the app may be built several times)."""
    if RootFieldSpans not in schema.extensions:
        schema.extensions = (*schema.extensions, RootFieldSpans)
