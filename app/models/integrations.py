"""What partner systems bring: school absence records and NGO service contracts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import NgoServiceType
from app.models.base import (
    AREA_CODE_LENGTH,
    Base,
    Synced,
    Timestamped,
    area_fk,
    area_prefix_index,
    enum_column,
    uuid_pk,
)


class AbsenceRecord(Timestamped, Base):
    """A day a pupil missed school, as the school submitted it; matched to a child when possible.

    `student_key` is the student number, or the ID number when the school sent only that: one
    record per (school, student, day) makes resubmissions idempotent.
    """

    __tablename__ = "absence_records"
    __table_args__ = (
        UniqueConstraint("school_id", "student_key", "absent_on"),
        area_prefix_index("absence_records"),
        Index("ix_absence_records_child_absent_on", "child_id", "absent_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    batch_id: Mapped[str] = mapped_column(String(100), index=True)
    student_key: Mapped[str] = mapped_column(String(32))
    student_number: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(18))
    absent_on: Mapped[date]
    periods: Mapped[int]
    excused: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(300))
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"))
    # The matched child's village; null while unmatched.
    area_code: Mapped[str | None] = area_fk(nullable=True)


class NgoContract(Synced, Base):
    """A government-purchased service contract: an NGO serves assigned children in an area."""

    __tablename__ = "ngo_contracts"
    __table_args__ = (
        area_prefix_index("ngo_contracts"),
        CheckConstraint("ends_on >= starts_on", name="ck_ngo_contracts_dates"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    ngo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The purchasing county; the contract's scope lies within it.
    area_code: Mapped[str] = area_fk()
    area_scope: Mapped[list[str]] = mapped_column(ARRAY(String(AREA_CODE_LENGTH)))
    service_types: Mapped[list[NgoServiceType]] = mapped_column(
        ARRAY(enum_column(NgoServiceType, create_constraint=False))
    )
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]


class NgoContractChild(Synced, Base):
    """A child assigned under a contract; unassigning sets `unassigned_at`."""

    __tablename__ = "ngo_contract_children"
    __table_args__ = (area_prefix_index("ngo_contract_children"),)

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ngo_contracts.id"), primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id"), primary_key=True, index=True
    )
    area_code: Mapped[str] = area_fk()
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unassigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
