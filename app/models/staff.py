"""The staff register's training records (seed 002: real-name management, yearly training).

A person of the register is a row of `users` (app/models/organizations.py): name, role, area,
organization, phone and the days they took up and left the post. Their credentials are kept
apart from the register: the password hash (never shown), refresh tokens and personal API keys
(app/models/auth.py).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import TrainingResult
from app.models.base import Base, Timestamped, enum_column, uuid_pk

COURSE_MAX = 200


class StaffTraining(Timestamped, Base):
    """One training a person took: when, which course, and whether they passed."""

    __tablename__ = "staff_trainings"
    __table_args__ = (Index("ix_staff_trainings_user_id_trained_on", "user_id", "trained_on"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    trained_on: Mapped[date] = mapped_column(Date)
    course: Mapped[str] = mapped_column(String(COURSE_MAX))
    result: Mapped[TrainingResult] = mapped_column(enum_column(TrainingResult))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
