"""Per-key rate limiting for integrations: a token bucket for each API key.

A key may make `burst` requests at once and then `per_minute` a minute; beyond that the
answer is 429 with `Retry-After` (seconds). Buckets live in the process: with several
workers each keeps its own, so the effective limit is per worker (see docs/integrations.md).
Only API keys are limited: staff use the app at human speed, and partner systems are the
ones that loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.identity import API_KEY_HEADER
from app.i18n import translate

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
    """Answers 429 to an API key that is over its rate, before any work is done for it."""

    def __init__(self, app: ASGIApp, per_minute: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute, burst) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope) if self.buckets is not None else None
        wait = self.buckets.take(key) if self.buckets is not None and key else 0.0
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = str(max(1, math.ceil(wait)))
        message = translate(
            "too many requests for this key: retry in {seconds} s", {"seconds": retry_after}
        )
        body = orjson.dumps(
            {"errors": [{"message": message,
                         "extensions": {"code": "RATE_LIMITED"}, "code": "RATE_LIMITED"}]}
        )  # fmt: skip
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", retry_after.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _key(scope: Scope) -> str | None:
        if scope["type"] != "http":
            return None
        wanted = API_KEY_HEADER.encode()
        for name, value in scope["headers"]:
            if name.lower() == wanted:
                # The public part names the key; a bad secret is refused later, but counted.
                text: str = value.decode("latin-1").strip()
                return text[:16]
        return None
