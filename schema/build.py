"""The schema object: root types composed from each part, and the extensions it runs with."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.extensions import MaxAliasesLimiter, ParserCache, QueryDepthLimiter, ValidationCache

from schema.areas.query import AreaQuery
from schema.areas.types import Area
from schema.children.types import Child


@strawberry.type
class Query(AreaQuery):
    node: relay.Node | None = relay.node(
        description="Any object by its global id; null when there is none (or none for you)."
    )


schema = strawberry.Schema(
    query=Query,
    types=[Area, Child],
    extensions=[
        # Classes or factories, never instances: instances would share state across requests.
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: QueryDepthLimiter(max_depth=12),
        lambda: MaxAliasesLimiter(max_alias_count=30),
    ],
)
