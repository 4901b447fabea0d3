"""Delivering the outbox: fan-out, claims, signed POSTs, retries, dead letters, replay.

The worker (`shouhu worker`, and a task of every `shouhu serve` process unless
SHOUHU_WEBHOOK_WORKER=false) connects as the owner of the tables, like `shouhu derive`: it
reads every county's events and the subscribers' secrets, which the service's role may not.
Several workers may run at once: each step claims its rows with `FOR UPDATE SKIP LOCKED`,
so no two take the same. A claimed delivery is leased (its next attempt moved past the
request's timeout) and the claim committed before anything is sent, so no transaction stays
open across the network, and a worker that dies mid-send leaves a delivery that comes due
again: at least once, never lost. Receivers de-duplicate on the event id.

Scope: an event is fanned out only to the active subscribers of the county its village lies
in (and of the kinds they asked for); replay keeps to the same rule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import clock
from app.domain.webhooks import RetryRule, after_failure, signature
from app.idcrypto import UnreadableIdNumber
from app.services.webhooks.subscribers import reveal_secret
from app.settings import Settings

log = logging.getLogger(__name__)

# Events fanned out per statement.
FAN_OUT_BATCH = 500
# Requests in flight at once: httpcore's pool grows slow with many waiting requests, and a
# receiver is better served by a few connections kept alive than by a burst of new ones.
CONCURRENCY = 16
# An error kept for the operator: enough to say what went wrong.
ERROR_MAX = 500
# The subscriber's county holds the event's village: `area_code LIKE county || '%'`.
_IN_COUNTY = "e.area_code LIKE s.area_code || '%'"
_WANTED = "(cardinality(s.kinds) = 0 OR e.kind = ANY(s.kinds))"
# A subscriber is told what happens from its registration on (earlier events, however long
# they waited for a worker, only by `shouhu webhooks replay --since`).
_SINCE_REGISTERED = "e.occurred_at >= s.created_at"

_FAN_OUT = text(
    f"""
    WITH picked AS (
        SELECT id FROM outbox_events WHERE fanned_out_at IS NULL
        ORDER BY occurred_at LIMIT :limit FOR UPDATE SKIP LOCKED
    ), made AS (
        INSERT INTO webhook_deliveries (id, event_id, subscriber_id, status, attempts,
                                        next_attempt_at)
        SELECT gen_random_uuid(), e.id, s.id, 'pending', 0, :now
        FROM outbox_events e JOIN picked p ON p.id = e.id
        JOIN webhook_subscribers s ON s.active AND {_IN_COUNTY} AND {_WANTED}
             AND {_SINCE_REGISTERED}
        ON CONFLICT (event_id, subscriber_id) DO NOTHING
    )
    UPDATE outbox_events SET fanned_out_at = :now WHERE id IN (SELECT id FROM picked)
    """
)
_CLAIM = text(
    """
    UPDATE webhook_deliveries d SET next_attempt_at = :lease_until, attempts = d.attempts + 1
    FROM outbox_events e, webhook_subscribers s
    WHERE d.id IN (
        SELECT q.id FROM webhook_deliveries q
        JOIN webhook_subscribers a ON a.id = q.subscriber_id AND a.active
        WHERE q.status = 'pending' AND q.next_attempt_at <= :now
        ORDER BY q.next_attempt_at LIMIT :limit FOR UPDATE OF q SKIP LOCKED
    ) AND e.id = d.event_id AND s.id = d.subscriber_id
    RETURNING d.id, d.attempts, e.id AS event_id, e.kind, e.area_code, e.occurred_at,
              e.payload, s.url, s.secret_enc
    """
)
_DELIVERED = text(
    "UPDATE webhook_deliveries SET status = 'delivered', delivered_at = :now, "
    "last_error = NULL WHERE id = ANY(:ids)"
)
_FAILED = text(
    "UPDATE webhook_deliveries SET status = :status, next_attempt_at = :next, "
    "last_error = :error WHERE id = :id"
)


async def fan_out(conn: AsyncConnection, now: datetime) -> int:
    """Make the deliveries of events not yet fanned out (a batch); how many events."""
    result = await conn.execute(_FAN_OUT, {"limit": FAN_OUT_BATCH, "now": now})
    return result.rowcount


def body_of(row: RowMapping) -> bytes:
    """What a subscriber is sent: the event's id, kind, village, moment and data."""
    return orjson.dumps(
        {
            "id": str(row["event_id"]),
            "kind": row["kind"],
            "areaCode": row["area_code"],
            "occurredAt": row["occurred_at"].isoformat(),
            "data": row["payload"],
        }
    )


@dataclass(frozen=True)
class Attempt:
    """How one delivery attempt went: None for success, else what failed."""

    delivery_id: uuid.UUID
    attempts: int
    error: str | None


def delivery_client(settings: Settings) -> httpx.AsyncClient:
    """The HTTP client deliveries are sent with: the subscriber's time to answer, and
    connections kept alive for the requests a round has in flight."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    return httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, limits=limits)


def _opened(sealed: bytes) -> str | None:
    """A subscriber's secret, or None if it was sealed under a key no longer in the ring."""
    try:
        return reveal_secret(sealed)
    except UnreadableIdNumber:
        return None


async def _send(
    client: httpx.AsyncClient, row: RowMapping, secret: str | None, slots: asyncio.Semaphore
) -> Attempt:
    if secret is None:
        # Nothing can be signed: a failure like any other, until the subscriber registers anew.
        return Attempt(row["id"], row["attempts"], "the secret does not open with these keys")
    async with slots:
        return await _post(client, row, secret)


async def _post(client: httpx.AsyncClient, row: RowMapping, secret: str) -> Attempt:
    body = body_of(row)
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Shouhu-Webhooks/1",
        "X-Shouhu-Event-Id": str(row["event_id"]),
        "X-Shouhu-Event-Kind": row["kind"],
        "X-Shouhu-Timestamp": str(timestamp),
        "X-Shouhu-Signature": signature(secret, timestamp, body),
    }
    try:
        response = await client.post(row["url"], content=body, headers=headers)
    except httpx.HTTPError as exc:
        error: str | None = f"{type(exc).__name__}: {exc}"
    else:
        error = None if response.is_success else f"HTTP {response.status_code}"
    return Attempt(row["id"], row["attempts"], error and error[:ERROR_MAX])


async def _record(
    conn: AsyncConnection, attempts: list[Attempt], rule: RetryRule, now: datetime
) -> None:
    """Mark the successes delivered (one statement) and each failure for retry, or dead."""
    delivered = [a.delivery_id for a in attempts if a.error is None]
    if delivered:
        await conn.execute(_DELIVERED, {"ids": delivered, "now": now})
    for attempt in attempts:
        if attempt.error is None:
            continue
        outcome = after_failure(attempt.attempts, rule)
        await conn.execute(
            _FAILED,
            {
                "id": attempt.delivery_id,
                "status": "dead" if outcome.dead else "pending",
                "next": now + outcome.delay,
                "error": attempt.error,
            },
        )


async def deliver_due(engine: AsyncEngine, client: httpx.AsyncClient, settings: Settings) -> int:
    """One round: fan out new events, claim the deliveries due (a batch), send them at once
    and record how each went; how many events and deliveries it handled."""
    now = clock.now()
    async with engine.begin() as conn:
        fanned = await fan_out(conn, now)
        # Long enough for the whole batch, CONCURRENCY at a time, each up to its timeout:
        # no other worker takes a delivery this one is still sending.
        waves = -(-settings.webhook_batch_size // CONCURRENCY)
        lease = timedelta(seconds=settings.webhook_timeout_seconds * waves + 5)
        claimed = (
            await conn.execute(
                _CLAIM,
                {"now": now, "lease_until": now + lease, "limit": settings.webhook_batch_size},
            )
        ).mappings().all()  # fmt: skip
    if not claimed:
        return fanned
    slots = asyncio.Semaphore(CONCURRENCY)
    # Each subscriber's secret opened once a round, not once a delivery.
    secrets = {bytes(row["secret_enc"]): _opened(row["secret_enc"]) for row in claimed}
    attempts = list(
        await asyncio.gather(
            *(_send(client, row, secrets[bytes(row["secret_enc"])], slots) for row in claimed)
        )
    )
    done = clock.now()
    async with engine.begin() as conn:
        await _record(conn, attempts, settings.webhook_retry, done)
    return fanned + len(claimed)


async def run_worker(engine: AsyncEngine, settings: Settings, stop: asyncio.Event) -> None:
    """Deliver until `stop` is set: rounds back to back while there is work, else a pause
    of SHOUHU_WEBHOOK_POLL_SECONDS. A round that fails (the database away) is logged and
    tried again after the pause."""
    async with delivery_client(settings) as client:
        while not stop.is_set():
            try:
                handled = await deliver_due(engine, client, settings)
            except Exception:  # the worker outlives a failed round; the next one retries
                log.exception("webhook delivery round failed")
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.webhook_poll_seconds)


@dataclass(frozen=True)
class Replay:
    """Which deliveries of one subscriber to send again: one event's, those of events since
    a moment (made if missing, e.g. from before the subscriber was registered), or the dead."""

    subscriber_id: uuid.UUID
    event_id: uuid.UUID | None = None
    since: datetime | None = None
    dead: bool = False


async def replay(conn: AsyncConnection, what: Replay, now: datetime) -> int:
    """Queue the deliveries again (pending, attempts reset, due now); how many. Events
    outside the subscriber's county are never queued."""
    params: dict[str, Any] = {"subscriber": what.subscriber_id, "now": now}
    conditions = []
    if what.event_id is not None:
        conditions.append("e.id = :event")
        params["event"] = what.event_id
    if what.since is not None:
        conditions.append("e.occurred_at >= :since")
        params["since"] = what.since
    if what.dead:
        conditions.append(
            "EXISTS (SELECT FROM webhook_deliveries d WHERE d.event_id = e.id "
            "AND d.subscriber_id = s.id AND d.status = 'dead')"
        )
    where = " AND ".join(conditions) if conditions else "false"
    statement = text(
        f"""
        INSERT INTO webhook_deliveries (id, event_id, subscriber_id, status, attempts,
                                        next_attempt_at)
        SELECT gen_random_uuid(), e.id, s.id, 'pending', 0, :now
        FROM outbox_events e JOIN webhook_subscribers s ON s.id = :subscriber
        AND {_IN_COUNTY} AND {_WANTED}
        WHERE {where}
        ON CONFLICT (event_id, subscriber_id) DO UPDATE SET status = 'pending', attempts = 0,
            next_attempt_at = :now, last_error = NULL, delivered_at = NULL
        """
    )
    return (await conn.execute(statement, params)).rowcount
