"""Organizations (village committees to NGOs) and the people who log in for them."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import OrganizationKind, Role, SchoolLevel
from app.models.base import Base, Synced, area_fk, area_prefix_index, enum_column, uuid_pk


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
    """A staff account. The role and area decide what the account may see and do."""

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
