"""Engines, sessions and the database URL (configured server or the embedded one)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_only

from app import clock
from app.embedded_db import embedded_postgres
from app.settings import Settings


def async_url(url: str) -> str:
    """The SQLAlchemy asyncpg form of any PostgreSQL URL (`postgres://`, `postgresql://`…)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The plain `postgresql://` form of a URL, for asyncpg and libpq tools."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """The database to use: DATABASE_URL if set, else the embedded server for the duration."""
    if settings.database_url:
        yield async_url(settings.database_url)
        return
    with embedded_postgres(settings.data_dir / "pg") as url:
        yield async_url(url)


def direct_url(url: str, settings: Settings) -> str:
    """The database past any pooler (DIRECT_DATABASE_URL), else `url`: for what holds a
    session across transactions (LISTEN, session advisory locks)."""
    return async_url(settings.direct_database_url) if settings.direct_database_url else url


def create_engine(
    url: str, *, pool_size: int = 10, transaction_pooler: bool = False
) -> AsyncEngine:
    """An async engine with the pool settings the service uses.

    Its sessions run in the service's time zone, so that PostgreSQL's dates of moments
    (`visited_at::date`, a quarter's start compared with `reported_at`) are the local days
    the clock gives (app/clock.py), not the server's. Behind a `transaction_pooler`
    (PgBouncer in transaction mode), consecutive transactions may reach different server
    connections: no statement is kept prepared, and each is prepared under a name of its own
    (two clients' statements never meet on one server connection under one name)."""
    connect_args: dict[str, Any] = {
        "server_settings": {"timezone": clock.zone().key},
        # Compiled reads (authz.session.fetch_scoped) are statements of 10-60 kB: asyncpg
        # prepares anew, and PostgreSQL plans anew, each one over its default 15 kB.
        "max_cacheable_statement_size": MAX_CACHEABLE_STATEMENT_BYTES,
    }
    if transaction_pooler:
        connect_args |= {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _statement_name,
        }
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # A failed statement's error never quotes its parameters: they are callers' data
        # (variables), and errors end up in logs.
        hide_parameters=True,
        connect_args=connect_args,
    )
    _ping_when_idle(engine)
    return engine


MAX_CACHEABLE_STATEMENT_BYTES = 256 * 1024


def _statement_name() -> str:
    return f"__shouhu_{uuid.uuid4().hex}__"


# A pooled connection idle this long is pinged before it is handed out; one used more
# recently is not. SQLAlchemy's pool_pre_ping pings every checkout, in three round trips
# (BEGIN, ";", ROLLBACK): more than a compiled read's own statements (authz.session).
PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "shouhu.idle_since"


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping connections that waited in the pool (the server may have restarted or a
    firewall dropped them since); a dead one is replaced before the request sees it. A
    connection the server closed while it was busy fails its statement, and SQLAlchemy then
    drops the whole pool's connections (its disconnect handling)."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
    ) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            # One simple-protocol message: no prepared statement, whatever a pooler does.
            await_only(dbapi_connection.driver_connection.execute("SELECT 1"))
        except Exception as error:  # whatever it is, the connection cannot be used
            # The pool discards the connection and checks out another (or connects anew).
            raise DisconnectionError("a pooled connection no longer answers") from error


def sql_literal(value: str) -> str:
    """`value` as a PostgreSQL string literal, for SQL text that takes no parameters
    (standard_conforming_strings is on since PostgreSQL 9.1: only quotes are doubled)."""
    return "'" + value.replace("'", "''") + "'"


# SQLSTATE query_canceled: a statement's statement_timeout (authz/session.py) ran out.
QUERY_CANCELED = "57014"


def is_timeout(error: BaseException) -> bool:
    """Whether a database error is a statement cancelled by its timeout."""
    # SQLAlchemy's wrapper of the driver's error, or asyncpg's own (authz.session.fetch_scoped)
    cause = error.orig if isinstance(error, DBAPIError) else error
    if cause is error and not isinstance(error, asyncpg.PostgresError):
        return False
    return getattr(cause, "sqlstate", None) == QUERY_CANCELED


def session_factory(
    engine: AsyncEngine, session_class: type[Session]
) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (the API returns them).

    `session_class` is the synchronous session behind them and carries the hooks their
    writes need (`StatisticsSession` keeps the statistics current); the caller chooses it,
    so that this floor imports no service and changes no other module's class."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)


async def raw_connection(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a SQLAlchemy one, for COPY inside the same transaction."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, asyncpg.Connection)
    return driver


def app_role_url(url: str, settings: Settings) -> str:
    """The URL of the same database for the application role (RLS applies to it)."""
    parsed = make_url(async_url(url)).set(
        username=settings.app_db_user, password=settings.app_db_password
    )
    return parsed.render_as_string(hide_password=False)


# Transaction control: SQLAlchemy's statement events do not report it either.
TRANSACTION_CONTROL = ("BEGIN;", "BEGIN", "COMMIT;", "COMMIT", "ROLLBACK;", "ROLLBACK")


@contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement `engine`'s connections send while the block runs, but BEGIN,
    COMMIT and ROLLBACK (and the pool's ping): those SQLAlchemy executes, and those sent on
    asyncpg's connections directly (authz.session.fetch_scoped, whose BEGIN travels with the
    scope's set_config). For tests and benchmarks: statements per request."""
    statements: list[str] = []
    sync_engine = engine.sync_engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def logged(query: Any) -> None:
        # Only what SQLAlchemy does not report: it runs its statements as prepared ones,
        # which asyncpg's loggers do not see.
        text = query.query.removeprefix("BEGIN; ")
        if text not in TRANSACTION_CONTROL:
            statements.append(text)

    def checkout(dbapi_connection: Any, *args: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(logged)

    def checkin(dbapi_connection: Any, *args: Any) -> None:
        if dbapi_connection is not None:
            dbapi_connection.driver_connection.remove_query_logger(logged)

    event.listen(sync_engine, "before_cursor_execute", record)
    event.listen(sync_engine.pool, "checkout", checkout)
    event.listen(sync_engine.pool, "checkin", checkin)
    try:
        yield statements
    finally:
        event.remove(sync_engine, "before_cursor_execute", record)
        event.remove(sync_engine.pool, "checkout", checkout)
        event.remove(sync_engine.pool, "checkin", checkin)
