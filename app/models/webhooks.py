"""Webhooks: the partner systems a county registers, and each event's delivery to each."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import OutboxEventKind, WebhookDeliveryStatus
from app.models.base import Base, Timestamped, area_fk, enum_column, uuid_pk


class WebhookSubscriber(Timestamped, Base):
    """A county's receiver of events (an SMS gateway, the 12355 hotline, a police intake
    system): it is sent the events of its county's villages, of the kinds it asked for."""

    __tablename__ = "webhook_subscribers"
    __table_args__ = (
        Index(
            "ix_webhook_subscribers_area_code_prefix",
            "area_code",
            postgresql_ops={"area_code": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    # The county (6 digits): every event of a village under it is the subscriber's.
    area_code: Mapped[str] = area_fk()
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    # The signing secret, sealed with the service's key ring (app/idcrypto.py): the worker
    # must sign with it, so it is kept openable, and it is never shown again.
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # The kinds of events sent; empty: all of them.
    kinds: Mapped[list[OutboxEventKind]] = mapped_column(
        ARRAY(enum_column(OutboxEventKind, create_constraint=False)),
        default=list,
        server_default="{}",
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    """One event sent to one subscriber: retried with back-off until delivered, or dead."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscriber_id"),
        # The worker's queue: deliveries due.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_deliveries_subscriber_id", "subscriber_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_events.id"))
    subscriber_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscribers.id"))
    status: Mapped[WebhookDeliveryStatus] = mapped_column(
        enum_column(WebhookDeliveryStatus),
        default=WebhookDeliveryStatus.PENDING,
        server_default="pending",
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
