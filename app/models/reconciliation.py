"""Duplicates passed on to be reconciled: an ID number on file out of the registering user's
sight (see app/services/children.py and docs/authorization.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import Gender
from app.models.base import AREA_CODE_LENGTH, Base, area_fk, area_prefix_index, enum_column


class DuplicateReport(Base):
    """A registration (or an edit) refused because the ID number it gives is on file for a
    child the registering user may not see. The user is told only that the number is being
    checked; the townships and counties of both places read this to reconcile the two files
    (the same child moved, or a mistyped number). One row per child on file and household
    tried, brought up to date by each further attempt."""

    __tablename__ = "duplicate_reports"
    __table_args__ = (
        area_prefix_index("duplicate_reports"),
        Index(
            "ix_duplicate_reports_existing_area_code_prefix",
            "existing_area_code",
            postgresql_ops={"existing_area_code": "varchar_pattern_ops"},
        ),
        Index(
            "uq_duplicate_reports_existing_child_id_household_id",
            "existing_child_id",
            "household_id",
            unique=True,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Where the registration was tried (the household's village).
    area_code: Mapped[str] = area_fk()
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"))
    # The child edited, for an edit (None for a registration).
    attempted_child_id: Mapped[uuid.UUID | None]
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    birth_date: Mapped[date]
    # The child on file with the number, and its village.
    existing_child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    existing_area_code: Mapped[str] = mapped_column(
        String(AREA_CODE_LENGTH), ForeignKey("areas.code")
    )
    reported_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reporter_label: Mapped[str] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=1, server_default="1")
