"""What schools bring: absence records and the batches they arrive in."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.idcrypto import SealedIdNumber
from app.models.base import (
    Base,
    Timestamped,
    area_fk,
    area_prefix_index,
    id_number_sealed_check,
    uuid_pk,
)


class AbsenceRecord(Timestamped, Base):
    """A day a pupil missed school, as the school submitted it; matched to a child when possible.

    `student_key` is the matched child's id (hex), whichever way the school named the pupil:
    one record per (school, pupil, day) makes resubmissions idempotent.
    """

    __tablename__ = "absence_records"
    __table_args__ = (
        UniqueConstraint("school_id", "student_key", "absent_on"),
        area_prefix_index("absence_records"),
        id_number_sealed_check("absence_records"),
        Index("ix_absence_records_child_absent_on", "child_id", "absent_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    # The batch that last wrote the record (batches are looked up in absence_batches).
    batch_id: Mapped[str] = mapped_column(String(100))
    student_key: Mapped[str] = mapped_column(String(32))
    student_number: Mapped[str | None] = mapped_column(String(32))
    # The ID number, sealed, and its fingerprint (app/idcrypto.py); `id_number` opens it.
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number = SealedIdNumber()
    absent_on: Mapped[date]
    periods: Mapped[int]
    excused: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(300))
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"))
    # The matched child's village; null while unmatched.
    area_code: Mapped[str | None] = area_fk(nullable=True)
    # The open dropout case an unexcused absence was attached to, if any.
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)


class AbsenceBatch(Timestamped, Base):
    """One submission of absence records by a school, kept so that resending it (a retry
    after a lost response) returns the first answer and writes nothing."""

    __tablename__ = "absence_batches"
    __table_args__ = (
        UniqueConstraint("school_id", "batch_id"),
        area_prefix_index("absence_batches"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    batch_id: Mapped[str] = mapped_column(String(100))
    # The school's area: row-level security admits the school's own batches.
    area_code: Mapped[str] = area_fk()
    digest: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(Integer)
    submitted_by: Mapped[str] = mapped_column(String(120))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
