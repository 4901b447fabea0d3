"""SQL statements' share of the metrics: each statement a request runs is counted and timed
into its record (app/observability/context.py). Two paths send statements: SQLAlchemy's (its
cursor events) and the compiled reads' own, on the asyncpg connection
(authz.session.fetch_scoped, through `Statement`)."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.observability import context, metrics

_STARTED = "shouhu.statement_started"


def instrument(engine: AsyncEngine) -> None:
    """Count and time the statements of `engine` (the requests' engine), and keep the
    pool's gauges."""
    sync_engine = engine.sync_engine
    pool = sync_engine.pool
    metrics.POOL_CAPACITY.inc(capacity(engine))

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info[_STARTED] = time.perf_counter()

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        _finished(conn.info)

    @event.listens_for(sync_engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        connection = exception_context.connection
        if connection is not None and _STARTED in connection.info:
            _finished(connection.info)

    @event.listens_for(pool, "checkout")
    def _checkout(*args: Any) -> None:
        metrics.POOL_CHECKED_OUT.inc()

    @event.listens_for(pool, "checkin")
    def _checkin(*args: Any) -> None:
        metrics.POOL_CHECKED_OUT.dec()


def capacity(engine: AsyncEngine) -> int:
    """The connections `engine`'s pool may open: its size and its overflow."""
    pool: Any = engine.sync_engine.pool
    return int(pool.size()) + int(getattr(pool, "_max_overflow", 0))


def released(engine: AsyncEngine) -> None:
    """`engine` is disposed: its pool no longer counts in the gauges."""
    metrics.POOL_CAPACITY.dec(capacity(engine))


def _finished(info: dict[str, Any]) -> None:
    started = info.pop(_STARTED, None)
    record = context.current()
    if record is not None and started is not None:
        record.statements += 1
        record.sql_seconds += time.perf_counter() - started


class Statement:
    """A statement sent on a driver connection directly: counted and timed as SQLAlchemy's
    are."""

    __slots__ = ("_started", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        record = context.current()
        if record is not None:
            record.statements += 1
            record.sql_seconds += time.perf_counter() - self._started
