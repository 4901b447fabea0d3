"""NGO service contracts (政府购买服务) and the children assigned under them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import NgoServiceType
from app.models.base import (
    AREA_CODE_LENGTH,
    FOLLOWS_THE_CHILD,
    Base,
    Synced,
    area_fk,
    area_prefix_index,
    enum_column,
    uuid_pk,
)


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
    not_edits = FOLLOWS_THE_CHILD
    __table_args__ = (area_prefix_index("ngo_contract_children"),)

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ngo_contracts.id"), primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id"), primary_key=True, index=True
    )
    area_code: Mapped[str] = area_fk()
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unassigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
