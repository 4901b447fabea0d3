"""Pooled connections the server dropped while they waited are replaced, not handed out."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app import database
from app.database import create_engine, libpq_url


async def _pooled_backend(demo_db: str) -> tuple[AsyncEngine, int]:
    """An engine whose one pooled connection the server has ended, and that connection's pid."""
    engine = create_engine(demo_db, pool_size=1)
    async with engine.connect() as conn:
        pid = await conn.scalar(text("SELECT pg_backend_pid()"))
    # The server ends that connection while it waits in the pool (a restart, a firewall).
    admin = await asyncpg.connect(libpq_url(demo_db))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    return engine, pid


async def test_a_connection_that_idled_is_pinged_and_replaced(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine, pid = await _pooled_backend(demo_db)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()


async def test_a_connection_used_just_before_is_not_pinged(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the ping saves a busy pool: no round trip on a connection that just served; a
    dead one fails once, and the pool is renewed after it."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    engine, pid = await _pooled_backend(demo_db)
    try:
        with pytest.raises(DBAPIError):
            async with engine.connect() as conn:
                await conn.scalar(text("SELECT 1"))
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()
