"""Organizations (village committees to NGOs) and the people who work for them: the staff
register, whose entries are also the accounts people log in with."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from app.enums import OrganizationKind, Role, SchoolLevel, TrainingResult
from app.models.base import Base, Synced, area_fk, area_prefix_index, enum_column, uuid_pk
from app.models.staff import StaffTraining


class Organization(Synced, Base):
    """A body with a duty towards children, placed in the area it serves."""

    __tablename__ = "organizations"
    __table_args__ = (area_prefix_index("organizations"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[OrganizationKind] = mapped_column(enum_column(OrganizationKind))
    name: Mapped[str] = mapped_column(String(200))
    area_code: Mapped[str] = area_fk()
    phone: Mapped[str | None] = mapped_column(String(32))
    # A school's stage (primary, junior secondary): which dropout target its rate is held to;
    # null for other organizations and for a school whose stage is not on file.
    school_level: Mapped[SchoolLevel | None] = mapped_column(enum_column(SchoolLevel))


class User(Synced, Base):
    """A person of the staff register (seed 002's real-name management) and their account.

    The role and area decide what the account may see and do. The register's facts (name,
    phone, the days of appointment and leaving, trainings) are shown to those who manage the
    person; the credentials (password hash, refresh tokens, API keys) never are.
    """

    __tablename__ = "users"
    __table_args__ = (area_prefix_index("users"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    area_code: Mapped[str] = area_fk()
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")
    appointed_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    # Set by a password reset: the one-time password must be replaced before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="false")
    # The day of the latest passed training: what the training gate and the refresher read,
    # loaded with the row (no second statement per request).
    trained_on: Mapped[date | None] = column_property(
        select(func.max(StaffTraining.trained_on))
        .where(StaffTraining.user_id == id, StaffTraining.result == TrainingResult.PASSED)
        .correlate_except(StaffTraining)
        .scalar_subquery()
    )
