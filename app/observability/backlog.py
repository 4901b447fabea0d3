"""The queues that should drain, read when /metrics is scraped: events the outbox has not
handed to the webhook worker yet (and how old the oldest is), deliveries waiting to be
sent, and open tasks. One statement over partial indexes, at most once per `max_age`
seconds however often Prometheus asks."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

# Each count uses a partial index (ix_outbox_events_unfanned, the pending deliveries',
# the open tasks').
_BACKLOG = text(
    """
    SELECT
      (SELECT count(*) FROM outbox_events WHERE fanned_out_at IS NULL),
      (SELECT coalesce(extract(epoch FROM now() - min(occurred_at)), 0)
         FROM outbox_events WHERE fanned_out_at IS NULL),
      (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'),
      (SELECT count(*) FROM tasks WHERE status = 'open')
    """
)
_GAUGES = (
    ("shouhu_outbox_unsent_events", "Outbox events not yet fanned out to webhook subscribers."),
    ("shouhu_outbox_oldest_unsent_seconds", "Age of the oldest outbox event not fanned out."),
    ("shouhu_webhook_pending_deliveries", "Webhook deliveries waiting to be sent or retried."),
    ("shouhu_tasks_open", "Tasks open across the service (all areas)."),
)


class Backlog(Collector):
    """The backlog gauges, read on `engine` (the tables' owner: the requests' role sees
    rows of its callers' areas only)."""

    def __init__(self, engine: AsyncEngine, max_age: float = 10.0) -> None:
        self.engine = engine
        self.max_age = max_age
        self._values: tuple[float, ...] | None = None
        self._read_at = -max_age

    async def refresh(self) -> None:
        """Read the counts unless the last reading is younger than `max_age`; a failure
        leaves the gauges out of this scrape (and is logged), never fails it."""
        now = time.monotonic()
        if now - self._read_at < self.max_age:
            return
        self._read_at = now
        try:
            async with self.engine.connect() as conn:
                row = (await conn.execute(_BACKLOG)).one()
        except Exception as error:  # a scrape reports what it can
            log.warning("backlog metrics unavailable", extra={"error": type(error).__name__})
            self._values = None
            return
        self._values = tuple(float(value) for value in row)

    def collect(self) -> Iterator[Metric]:
        """The last reading's gauges."""
        if self._values is None:
            return
        for (name, documentation), value in zip(_GAUGES, self._values, strict=True):
            yield GaugeMetricFamily(name, documentation, value=value)
