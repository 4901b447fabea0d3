"""Entrusted guardianship (委托监护): who looks after a child while the parents are away."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import GuardianCapacity, GuardianRelation, GuardianshipStatus
from app.idcrypto import SealedIdNumber
from app.models.base import (
    FOLLOWS_THE_CHILD,
    Base,
    Synced,
    area_fk,
    area_prefix_index,
    enum_column,
    id_number_sealed_check,
    uuid_pk,
)


class Guardianship(Synced, Base):
    """One entrustment of a child to a guardian, from its start to its end.

    The village assesses the guardian's capacity and confirms the signed agreement (seed 001);
    history is kept: ending a guardianship sets `ends_on` and status, it deletes nothing.
    """

    __tablename__ = "guardianships"
    not_edits = FOLLOWS_THE_CHILD
    __table_args__ = (
        area_prefix_index("guardianships"),
        id_number_sealed_check("guardianships"),
        # At most one active guardianship per child.
        Index(
            "uq_guardianships_active_child",
            "child_id",
            unique=True,
            postgresql_where=text("status = 'active' AND deleted_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), index=True)
    area_code: Mapped[str] = area_fk()
    guardian_name: Mapped[str] = mapped_column(String(100))
    relation: Mapped[GuardianRelation] = mapped_column(enum_column(GuardianRelation))
    phone: Mapped[str | None] = mapped_column(String(32))
    # The ID number, sealed, and its fingerprint (app/idcrypto.py); `id_number` opens it.
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number = SealedIdNumber()
    capacity: Mapped[GuardianCapacity] = mapped_column(
        enum_column(GuardianCapacity),
        default=GuardianCapacity.UNASSESSED,
        server_default="unassessed",
    )
    capacity_assessed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    capacity_assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agreement_signed: Mapped[bool] = mapped_column(default=False, server_default="false")
    confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    status: Mapped[GuardianshipStatus] = mapped_column(
        enum_column(GuardianshipStatus),
        default=GuardianshipStatus.ACTIVE,
        server_default="active",
    )
