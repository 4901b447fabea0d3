"""HTTP caching of the service's answers: what may carry a child's record is kept by no
browser and no proxy; only the public area table may be cached.

Every answer without a `Cache-Control` of its own gets `private, no-store` (GraphQL, the
exports, the imports' reports, errors). A GraphQL GET (a persisted document) that asks only
for areas and succeeds is public for an hour: the area table changes once a year.
"""

from __future__ import annotations

from functools import lru_cache

from graphql import GraphQLSyntaxError, parse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authz.gate import root_fields

PRIVATE = "private, no-store"
PUBLIC = "public, max-age=3600"
# Root fields whose answers hold no personal data and are the same for every caller.
PUBLIC_ROOT_FIELDS = frozenset({"areas", "__typename"})


@lru_cache(maxsize=256)
def is_public_document(query: str) -> bool:
    """Whether every operation of the document asks only for public root fields."""
    try:
        fields = root_fields(parse(query, no_location=True))
    except GraphQLSyntaxError:
        return False
    return bool(fields) and fields <= PUBLIC_ROOT_FIELDS


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on every HTTP answer that says nothing itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the header to the answer's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "cache-control" not in headers:
                    headers["Cache-Control"] = PRIVATE
            await send(message)

        await self.app(scope, receive, send_private)
