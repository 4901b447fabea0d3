"""Per-key rate limiting for integrations: a token bucket for each API key.

A key may make `burst` requests at once and then `per_minute` a minute; beyond that the
answer is 429 with `Retry-After` (seconds). The buckets are rows of `rate_limit_buckets`,
each spent from in one statement (one round trip, the row locked for its update), so every
process of the service, on any machine, counts against the same bucket. Only API keys are
limited: staff use the app at human speed, and partner systems are the ones that loop.

The bucket is the key's prefix, read from the request's one `X-API-Key` header exactly as
authentication reads it (app/auth/identity.credential_headers, apikeys.key_prefix): a
request with that header (or `Authorization`) twice is refused here with 400
DUPLICATE_CREDENTIALS, so no request is counted under one key and served as another.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.apikeys import key_prefix
from app.auth.errors import AuthError
from app.auth.identity import credential_headers
from app.database import raw_connection
from app.i18n import translate
from app.observability import metrics

# Refill the bucket to the clock ($2, seconds), up to the burst ($3), at the rate ($4 a
# second), and spend a token if there is a whole one. The clock is the service's, passed
# in: a process whose clock lags another's never refills a bucket backwards.
_TAKE = """
INSERT INTO rate_limit_buckets AS b (key, tokens, updated_at, allowed)
VALUES ($1, $3 - 1, $2, true)
ON CONFLICT (key) DO UPDATE SET
    tokens = LEAST($3, b.tokens + GREATEST(0, $2 - b.updated_at) * $4)
        - CASE WHEN LEAST($3, b.tokens + GREATEST(0, $2 - b.updated_at) * $4) >= 1
               THEN 1 ELSE 0 END,
    allowed = LEAST($3, b.tokens + GREATEST(0, $2 - b.updated_at) * $4) >= 1,
    updated_at = GREATEST(b.updated_at, $2)
RETURNING tokens, allowed
"""
# A bucket untouched for as long as it takes to refill is full: the same as no row.
_PRUNE = "DELETE FROM rate_limit_buckets WHERE updated_at < $1"
# Takes between two prunes in a process (a well-formed but unknown key makes a row too).
_PRUNE_EVERY = 1000


class TokenBuckets:
    """One bucket per key, in the database: `take(engine, key)` is 0 when a request may
    go, else the seconds to wait."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._takes = 0

    async def take(self, engine: AsyncEngine, key: str) -> float:
        """Spend a token of `key`'s bucket; the wait in seconds if there is none."""
        now = self._clock()
        self._takes += 1
        async with engine.connect() as conn:
            driver = await raw_connection(conn)
            # In a transaction: behind a transaction-mode pooler, a statement prepared and
            # run in two messages outside one may meet two server connections.
            async with driver.transaction():
                if self._takes % _PRUNE_EVERY == 0:
                    await driver.execute(_PRUNE, now - self.burst / self.rate)
                tokens, allowed = await driver.fetchrow(_TAKE, key, now, self.burst, self.rate)
        return 0.0 if allowed else (1 - tokens) / self.rate


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
        wait = 0.0
        if self.buckets is not None and key:
            wait = await self.buckets.take(scope["app"].state.engine, key)
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
