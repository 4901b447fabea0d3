"""Per-key rate limiting for integrations: a token bucket for each API key.

A key may make `burst` requests at once and then `per_minute` a minute; beyond that the
answer is 429 with `Retry-After` (seconds). Buckets live in the process: with several
workers each keeps its own, so the effective limit is per worker (see docs/integrations.md).
Only API keys are limited: staff use the app at human speed, and partner systems are the
ones that loop.

The bucket is the key's prefix, read from the request's one `X-API-Key` header exactly as
authentication reads it (app/auth/identity.credential_headers, apikeys.key_prefix): a
request with that header (or `Authorization`) twice is refused here with 400
DUPLICATE_CREDENTIALS, so no request is counted under one key and served as another.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.apikeys import key_prefix
from app.auth.errors import AuthError
from app.auth.identity import credential_headers
from app.i18n import translate
from app.observability import metrics

# Buckets that have refilled to full are forgotten once there are this many keys: a full
# bucket is the same as no bucket, so memory stays bounded without changing any answer.
_PRUNE_ABOVE = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One bucket per key: `take(key)` is 0 when a request may go, else seconds to wait."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Spend a token of `key`'s bucket; the wait in seconds if there is none."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _PRUNE_ABOVE:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(tokens=self.burst, updated=now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _prune(self, now: float) -> None:
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]


class RateLimitMiddleware:
    """Answers 429 to an API key that is over its rate, before any work is done for it, and
    400 to a request with a credential header twice."""

    def __init__(self, app: ASGIApp, per_minute: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute, burst) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = ((name.decode("latin-1"), value.decode("latin-1"))
                   for name, value in scope["headers"])  # fmt: skip
        try:
            credentials = credential_headers(headers)
        except AuthError as error:
            await _refuse(send, 400, {"code": error.code, "message": error.message})
            return
        # A malformed key names no bucket: authentication refuses it without a lookup.
        key = key_prefix(credentials.api_key) if credentials.api_key is not None else None
        wait = self.buckets.take(key) if self.buckets is not None and key else 0.0
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        metrics.RATE_LIMITED.inc()
        retry_after = str(max(1, math.ceil(wait)))
        message = translate(
            "too many requests for this key: retry in {seconds} s", {"seconds": retry_after}
        )
        await _refuse(send, 429, {"code": "RATE_LIMITED", "message": message}, retry_after)


async def _refuse(
    send: Send, status: int, error: dict[str, str], retry_after: str | None = None
) -> None:
    """An error answer (`code`, `message`) shaped like GraphQL's, with the code in
    `extensions` too, so GraphQL clients and the CSV endpoints' scripts both read it."""
    body = orjson.dumps({"errors": [{**error, "extensions": {"code": error["code"]}}]})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", retry_after.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
