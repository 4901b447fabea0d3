"""Prometheus metrics. Labels are bounded and say nothing about anyone: an operation of the
mobile contract (else "other"), an outcome (ok, or an error code), a role, a direction.

With several worker processes `shouhu serve` gives them one `PROMETHEUS_MULTIPROC_DIR`
(prometheus-client's multiprocess mode: each process writes its values to files there, and
whichever worker answers /metrics adds them up); one process uses the default registry.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from app.mobile_contract import load_manifest
from app.observability.context import RequestRecord

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds: a compiled read takes a few milliseconds, a large import or export seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_STATEMENT_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)
_OPERATION_LABELS = ("operation", "outcome", "role")

REQUESTS = Counter(
    "shouhu_requests",
    "Requests answered, by GraphQL operation (or route), outcome and the caller's role.",
    _OPERATION_LABELS,
)
LATENCY = Histogram(
    "shouhu_request_duration_seconds",
    "Time from a request's arrival to its answer, by operation.",
    ("operation",),
    buckets=_LATENCY_BUCKETS,
)
SQL_STATEMENTS = Histogram(
    "shouhu_request_sql_statements",
    "SQL statements a request ran (transaction control aside), by operation.",
    ("operation",),
    buckets=_STATEMENT_BUCKETS,
)
SQL_SECONDS = Histogram(
    "shouhu_request_sql_seconds",
    "Time a request spent waiting for its SQL statements, by operation.",
    ("operation",),
    buckets=_LATENCY_BUCKETS,
)
POOL_CHECKED_OUT = Gauge(
    "shouhu_db_pool_checked_out",
    "Database connections the service's requests hold now (all workers), by database.",
    ("database",),
    multiprocess_mode="livesum",
)
POOL_CAPACITY = Gauge(
    "shouhu_db_pool_capacity",
    "Database connections the workers' pools may open (size and overflow, all workers).",
    ("database",),
    multiprocess_mode="livesum",
)
REPLICA_LAG = Gauge(
    "shouhu_replica_lag_seconds",
    "How far the read replica was behind the primary when last checked (absent while it "
    "does not stream or answer).",
    multiprocess_mode="livemostrecent",
)
REPLICA_IN_USE = Gauge(
    "shouhu_replica_in_use",
    "1 while reports read the replica, 0 while they go to the primary (it lags, does not "
    "stream or does not answer).",
    multiprocess_mode="livemostrecent",
)
SYNC_PULLED = Counter(
    "shouhu_sync_pulled_records",
    "Records syncPull sent to devices: upserts and removals.",
    ("kind",),
)
SYNC_PUSHED = Counter(
    "shouhu_sync_pushed_operations",
    "Queued offline operations syncPush received, by whether they were applied.",
    ("outcome",),
)
RATE_LIMITED = Counter(
    "shouhu_rate_limited_requests",
    "Requests refused with 429 because their API key was over its rate.",
)
LOGIN_REFUSED = Counter(
    "shouhu_login_refusals",
    "Logins refused, by reason (the error code: wrong credentials, throttled…).",
    ("reason",),
)

# An error code as the service writes them; anything else is not a label we let through.
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,39}")
_OPERATION = re.compile(r"\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


@lru_cache(maxsize=1)
def known_operations() -> frozenset[str]:
    """The operation names of the mobile contract: the only ones that become labels."""
    names = (_OPERATION.match(document) for document in load_manifest().values())
    return frozenset(match.group(1) for match in names if match is not None)


def operation_label(name: str | None, document: str | None) -> str:
    """The label of a GraphQL operation: its name (sent, or the document's first) if the
    mobile contract has it, else "other" (names are the caller's text: unbounded)."""
    if name is None and document is not None:
        match = _OPERATION.match(document)
        name = match.group(1) if match is not None else None
    return name if name is not None and name in known_operations() else "other"


def outcome_label(code: object) -> str:
    """The outcome label of an error code ("ERROR" for one that is not a code of ours)."""
    return code if isinstance(code, str) and _CODE.fullmatch(code) else "ERROR"


_Series = tuple[Counter, Histogram, Histogram, Histogram]
# The labelled series by their labels: `labels()` takes a lock and checks its arguments on
# every call, which is most of a request's metrics cost. Labels are bounded, and so is this.
_series: dict[tuple[str, str, str], _Series] = {}


def observe_request(record: RequestRecord, seconds: float, status: int) -> None:
    """Count a finished request."""
    outcome = record.outcome
    if outcome is None:
        outcome = "ok" if status < 400 else f"HTTP_{status}"
    key = (record.operation, outcome, record.role)
    series = _series.get(key)
    if series is None:
        operation = record.operation
        series = _series[key] = (
            REQUESTS.labels(*key),
            LATENCY.labels(operation),
            SQL_STATEMENTS.labels(operation),
            SQL_SECONDS.labels(operation),
        )
    requests, latency, statements, sql_seconds = series
    requests.inc()
    latency.observe(seconds)
    statements.observe(record.statements)
    sql_seconds.observe(record.sql_seconds)


def multiprocess_dir() -> str | None:
    """The directory of multiprocess mode, None with one process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


@contextmanager
def shared_directory(workers: int) -> Iterator[None]:
    """For `shouhu serve`: the directory where `workers` processes keep their values. The
    operator's PROMETHEUS_MULTIPROC_DIR is emptied of a previous run's files; without one,
    several workers get a new directory, removed when they stop (workers inherit it: set
    before they start, as prometheus-client reads it when it is imported)."""
    given = multiprocess_dir()
    if given is not None:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield
        return
    if workers < 2:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="shouhu-metrics-") as directory:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


def process_ended(pid: int) -> None:
    """A worker stops: its live gauges (connections held) no longer count."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class _Default(Collector):
    """The default registry's metrics, for a one-process scrape."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text /metrics answers: every process's metrics and `extra` (read at scrape time)."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir() is not None:
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Default())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


def replica_checked(lag: float | None, in_use: bool) -> None:
    """Note a check of the replica: its lag (None: unknown) and whether reports read it."""
    if lag is None:
        REPLICA_LAG.set(float("nan"))
    else:
        REPLICA_LAG.set(lag)
    REPLICA_IN_USE.set(1 if in_use else 0)


def sync_pulled(upserts: int, removals: int) -> None:
    """Count a syncPull page: the records it sends and the removals it tells of."""
    SYNC_PULLED.labels("upsert").inc(upserts)
    SYNC_PULLED.labels("removal").inc(removals)


def sync_pushed(applied: bool, count: int = 1) -> None:
    """Count operations of a syncPush, applied or failed."""
    SYNC_PUSHED.labels("applied" if applied else "failed").inc(count)
