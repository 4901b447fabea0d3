"""Webhooks as plain rules: how a delivery is signed, and when a failed one is tried again.

A receiver checks `X-Shouhu-Signature: sha256=<hex>`, the HMAC-SHA256 with its secret of
`"<X-Shouhu-Timestamp>.<body>"` (the timestamp binds the body to its moment, so an old
delivery cannot be replayed as new), and de-duplicates on `X-Shouhu-Event-Id`
(docs/integrations.md).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Shouhu-Signature` header of a body sent at `timestamp` (Unix seconds)."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class RetryRule:
    """How often and how long a failing delivery is tried again."""

    max_attempts: int
    base_delay: timedelta
    max_delay: timedelta


@dataclass(frozen=True)
class AfterFailure:
    """What becomes of a delivery whose attempt failed: dead, or tried again after `delay`."""

    dead: bool
    delay: timedelta


def after_failure(attempts: int, rule: RetryRule) -> AfterFailure:
    """After `attempts` failed attempts (this one included): dead once there were
    `max_attempts`, else again after the base delay doubled per earlier failure (capped)."""
    if attempts >= rule.max_attempts:
        return AfterFailure(dead=True, delay=timedelta(0))
    delay = rule.base_delay * (2 ** max(attempts - 1, 0))
    return AfterFailure(dead=False, delay=min(delay, rule.max_delay))
