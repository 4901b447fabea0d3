"""Households and the parents in them."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import ContactFrequency, ParentRelation, ParentStatus
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


class Household(Synced, Base):
    """A family registered in a village, with its economic situation."""

    __tablename__ = "households"
    not_edits = FOLLOWS_THE_CHILD
    __table_args__ = (area_prefix_index("households"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    area_code: Mapped[str] = area_fk()
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(32))
    minimum_allowance: Mapped[bool] = mapped_column(default=False, server_default="false")
    extreme_poverty: Mapped[bool] = mapped_column(default=False, server_default="false")
    registered_poverty: Mapped[bool] = mapped_column(default=False, server_default="false")
    # The account that registered the household (registerHousehold, a ledger import); null
    # before migration 0036, for a partner system's key and for a report's provisional file.
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Parent(Synced, Base):
    """A child's father or mother: where they are and how they keep in touch."""

    __tablename__ = "parents"
    not_edits = FOLLOWS_THE_CHILD
    __table_args__ = (area_prefix_index("parents"), id_number_sealed_check("parents"))

    id: Mapped[uuid.UUID] = uuid_pk()
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    area_code: Mapped[str] = area_fk()
    relation: Mapped[ParentRelation] = mapped_column(enum_column(ParentRelation))
    name: Mapped[str] = mapped_column(String(100))
    # The ID number, sealed, and its fingerprint (app/idcrypto.py); `id_number` opens it.
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number = SealedIdNumber()
    phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[ParentStatus] = mapped_column(enum_column(ParentStatus))
    work_place: Mapped[str | None] = mapped_column(String(200))
    work_province_code: Mapped[str | None] = mapped_column(String(2))
    away_since: Mapped[date | None]
    contact_frequency: Mapped[ContactFrequency | None] = mapped_column(
        enum_column(ContactFrequency)
    )
    last_contact_on: Mapped[date | None]
    home_at_holidays: Mapped[bool | None]
