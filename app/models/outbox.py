"""The outbox: events written in the transaction that caused them, for delivery out of the
system (app/services/outbox.py writes them, app/services/webhooks/delivery.py sends them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import OutboxEventKind
from app.models.base import AREA_CODE_LENGTH, Base, enum_column, uuid_pk


class OutboxEvent(Base):
    """One event: its id is the one receivers de-duplicate on. The payload carries ids and
    codes, never a child's name, ID number, phone or address."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index(
            "ix_outbox_events_area_code_prefix",
            "area_code",
            postgresql_ops={"area_code": "varchar_pattern_ops"},
        ),
        # The worker's queue: events not yet fanned out to the subscribers.
        Index(
            "ix_outbox_events_unfanned",
            "occurred_at",
            postgresql_where=text("fanned_out_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[OutboxEventKind] = mapped_column(enum_column(OutboxEventKind))
    # The village of the event's subject (no foreign key: an event outlives what it is about).
    area_code: Mapped[str] = mapped_column(String(AREA_CODE_LENGTH))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # When the worker made its deliveries (one per subscriber whose county it lies in).
    fanned_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
