"""A streaming replica of the database for reports (statistics, exports, searches), used
while it is fresh enough, so that they do not load the primary the field workers write to.

Fresh means streaming from the primary and at most `max_lag_seconds` behind it: replayed up
to what it has received, or its last replayed transaction that recent. A replica that lags,
has lost its stream or does not answer is left alone (reports go to the primary) until a
later check finds it fresh again; a check is made at most once a second.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.observability import metrics

log = logging.getLogger(__name__)

# Seconds behind the primary; a standby that is not streaming is behind by an unknown time.
_LAG = text(
    "SELECT CASE"
    " WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN NULL"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END"
)
CHECK_SECONDS = 1.0


class Replica:
    """The replica's engine and whether it may serve reports now.

    `engine` serves the reports (as the application role, under row-level security);
    `monitor` reads the lag as the tables' owner, who may see the WAL receiver's state (the
    application role sees its columns empty: it needs pg_read_all_stats, which would show
    it every session's query text)."""

    def __init__(self, engine: AsyncEngine, monitor: AsyncEngine, max_lag_seconds: float) -> None:
        self.engine = engine
        self.monitor = monitor
        self.max_lag_seconds = max_lag_seconds
        self._fresh = False
        self._checked_at: float | None = None

    async def fresh(self) -> bool:
        """Whether reports may read the replica now (checked at most once a second)."""
        now = time.monotonic()
        if self._checked_at is None or now - self._checked_at >= CHECK_SECONDS:
            self._checked_at = now
            lag = await self._lag()
            fresh = lag is not None and lag <= self.max_lag_seconds
            metrics.replica_checked(lag, fresh)
            if fresh != self._fresh:
                log.info("replica %s", "in use" if fresh else "left alone", extra={"lag": lag})
            self._fresh = fresh
        return self._fresh

    async def _lag(self) -> float | None:
        try:
            async with self.monitor.connect() as conn:
                lag = await conn.scalar(_LAG)
        except Exception as error:  # any failure to reach it: the primary serves
            log.warning("replica unreachable", extra={"error": str(error)})
            return None
        return None if lag is None else float(lag)

    async def dispose(self) -> None:
        """Close the replica's connections."""
        await self.engine.dispose()
        await self.monitor.dispose()
