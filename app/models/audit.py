"""The audit trail: who read or changed what about a child, and when."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.models.base import AREA_CODE_LENGTH, Base, area_prefix_index


class AuditEvent(Base):
    """One audited action. Append-only: never updated, never deleted by the application."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now(), index=True
    )
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    operation_name: Mapped[str | None] = mapped_column(String(200))
    query_text: Mapped[str | None] = mapped_column(Text)
    record_ids: Mapped[list[str]] = mapped_column(ARRAY(String(100)), server_default="{}")
    area_code: Mapped[str | None] = mapped_column(String(AREA_CODE_LENGTH))
    request_id: Mapped[str | None] = mapped_column(String(64))


class AuditRead(Base):
    """One child's file shown in full in one audited request (its AuditEvent): whose, where
    the file was, and whether its full ID number was shown. What supervisors list with
    `auditEvents`; append-only like the events."""

    __tablename__ = "audit_reads"
    __table_args__ = (
        area_prefix_index("audit_reads"),
        Index("ix_audit_reads_child_id_occurred_at", "child_id", "occurred_at"),
        Index("ix_audit_reads_actor_user_id_occurred_at", "actor_user_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # No foreign keys (migration 0030): written in the statement that writes the event.
    event_id: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_user_id: Mapped[uuid.UUID | None]
    actor_label: Mapped[str] = mapped_column(String(200))
    child_id: Mapped[uuid.UUID]
    area_code: Mapped[str] = mapped_column(String(AREA_CODE_LENGTH))
    id_number: Mapped[bool]
