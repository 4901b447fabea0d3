"""SQL statements' share of the metrics and traces: each statement a request runs is counted
and timed into its record (app/observability/context.py) and, when tracing, becomes a span.
Two paths send statements: SQLAlchemy's (its cursor events) and the compiled reads' own, on
the asyncpg connection (authz.session.fetch_scoped, through `Statement`)."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from opentelemetry.trace import Span
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.observability import context, metrics, tracing

_STARTED = "shouhu.statement_started"
_SPAN = "shouhu.statement_span"


def instrument(engine: AsyncEngine, database: str) -> None:
    """Count, time and trace the statements of `engine` (one the requests use), and keep the
    pool's gauges, labelled `database` ("primary", "replica")."""
    sync_engine = engine.sync_engine
    pool = sync_engine.pool
    metrics.POOL_CAPACITY.labels(database).inc(capacity(engine))
    checked_out = metrics.POOL_CHECKED_OUT.labels(database)

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info[_STARTED] = time.perf_counter()
        conn.info[_SPAN] = tracing.start_statement(statement)

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        _finished(conn.info, None)

    @event.listens_for(sync_engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        connection = exception_context.connection
        if connection is not None and _STARTED in connection.info:
            _finished(connection.info, exception_context.original_exception)

    @event.listens_for(pool, "checkout")
    def _checkout(*args: Any) -> None:
        checked_out.inc()

    @event.listens_for(pool, "checkin")
    def _checkin(*args: Any) -> None:
        checked_out.dec()


def capacity(engine: AsyncEngine) -> int:
    """The connections `engine`'s pool may open: its size and its overflow."""
    pool: Any = engine.sync_engine.pool
    return int(pool.size()) + int(getattr(pool, "_max_overflow", 0))


def released(engine: AsyncEngine, database: str) -> None:
    """`engine` is disposed: its pool no longer counts in the gauges."""
    metrics.POOL_CAPACITY.labels(database).dec(capacity(engine))


def _finished(info: dict[str, Any], error: BaseException | None) -> None:
    started = info.pop(_STARTED, None)
    tracing.end_statement(info.pop(_SPAN, None), error)
    record = context.current()
    if record is not None and started is not None:
        record.statements += 1
        record.sql_seconds += time.perf_counter() - started


class Statement:
    """A statement sent on a driver connection directly: counted, timed and traced as
    SQLAlchemy's are."""

    __slots__ = ("_span", "_started", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._started = 0.0
        self._span: Span | None = None

    def __enter__(self) -> None:
        self._span = tracing.start_statement(self._text)
        self._started = time.perf_counter()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        tracing.end_statement(self._span, error)
        record = context.current()
        if record is not None:
            record.statements += 1
            record.sql_seconds += time.perf_counter() - self._started
