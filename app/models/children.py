"""The child: one file per child."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import (
    ArchiveReason,
    ChildCategory,
    ChildStatus,
    Gender,
    KeyChildReason,
    LivingArrangement,
    MoveRequestStatus,
    SchoolStatus,
)
from app.idcrypto import SealedIdNumber
from app.models.base import (
    Base,
    Synced,
    area_fk,
    area_prefix_index,
    enum_column,
    id_number_sealed_check,
    uuid_pk,
)


class Child(Synced, Base):
    """A child in the care of a village's children's director.

    Categories (left-behind, kinds of difficulty) and key-child status are derived by the
    rules in app.domain from these facts; `recorded_key_reasons` holds only the reasons staff
    record that cannot be derived (e.g. a parent's drug abuse). The derived facts are stored
    (`categories` … `next_visit_due`) and refreshed by every write that changes them
    (app/services/derivation.py) and daily, since ages change too (`shouhu derive`).
    """

    __tablename__ = "children"
    not_edits = (
        "categories", "key_reasons", "is_key_child", "has_confirmed_guardian", "last_visit_at",
        "next_visit_due", "derived_on", "raised_alerts",
    )  # fmt: skip
    __table_args__ = (
        area_prefix_index("children"),
        # The same ID number may not be on file twice, anywhere in the country: its
        # fingerprint, since the number itself is sealed.
        Index(
            "uq_children_id_number_live",
            "id_number_hash",
            unique=True,
            postgresql_where=text("deleted_at IS NULL AND id_number_hash IS NOT NULL"),
        ),
        id_number_sealed_check("children"),
        Index("ix_children_school_student", "school_id", "student_number"),
        Index("ix_children_categories", "categories", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    area_code: Mapped[str] = area_fk()
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    birth_date: Mapped[date]
    # The ID number, sealed, and its fingerprint (app/idcrypto.py); `id_number` opens it.
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number = SealedIdNumber()
    no_household_registration: Mapped[bool] = mapped_column(default=False, server_default="false")
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"))
    student_number: Mapped[str | None] = mapped_column(String(32))
    # The teacher who looks after a left-behind pupil or one in difficulty (教师联系帮扶,
    # seed 001): set by the village staff or by the pupil's school.
    teacher_in_charge_name: Mapped[str | None] = mapped_column(String(50))
    teacher_in_charge_phone: Mapped[str | None] = mapped_column(String(32))
    school_status: Mapped[SchoolStatus] = mapped_column(enum_column(SchoolStatus))
    disability: Mapped[bool] = mapped_column(default=False, server_default="false")
    serious_illness: Mapped[bool] = mapped_column(default=False, server_default="false")
    safety_risk: Mapped[bool] = mapped_column(default=False, server_default="false")
    scattered_orphan: Mapped[bool] = mapped_column(default=False, server_default="false")
    recorded_key_reasons: Mapped[list[KeyChildReason]] = mapped_column(
        ARRAY(enum_column(KeyChildReason, create_constraint=False)),
        default=list,
        server_default="{}",
    )
    living_arrangement: Mapped[LivingArrangement] = mapped_column(enum_column(LivingArrangement))
    status: Mapped[ChildStatus] = mapped_column(
        enum_column(ChildStatus), default=ChildStatus.ACTIVE, server_default="active"
    )
    archived_reason: Mapped[ArchiveReason | None] = mapped_column(enum_column(ArchiveReason))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Recorded missing (走失) since this day; cleared when the child is found.
    missing_since: Mapped[date | None]
    # The account that registered the file (registerChild, a ledger import); null before
    # migration 0036, for a partner system's key and for a provisional file a report opened.
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Derived (see the class docstring).
    categories: Mapped[list[ChildCategory]] = mapped_column(
        ARRAY(enum_column(ChildCategory, create_constraint=False)),
        default=list,
        server_default="{}",
    )
    key_reasons: Mapped[list[KeyChildReason]] = mapped_column(
        ARRAY(enum_column(KeyChildReason, create_constraint=False)),
        default=list,
        server_default="{}",
    )
    is_key_child: Mapped[bool] = mapped_column(default=False, server_default="false")
    has_confirmed_guardian: Mapped[bool] = mapped_column(default=False, server_default="false")
    last_visit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_visit_due: Mapped[date | None] = mapped_column(index=True)
    derived_on: Mapped[date | None]
    # The task rules' alerts acted on that have lasted since (app/domain/tasks.py `Alert`):
    # bookkeeping of the rules, never shown.
    raised_alerts: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), default=list, server_default=text("'{}'::varchar[]")
    )
    # A duplicate file merged into the child's file (app/services/child_merges.py): kept,
    # archived as a duplicate, and out of every list, count, search and sync from then on.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"))
    merged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ChildMove(Synced, Base):
    """A child's file passing from one village to another: who held it, and since when."""

    __tablename__ = "child_moves"
    __table_args__ = (area_prefix_index("child_moves"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), index=True)
    # The village the child moved to: the row belongs with the child's file there.
    area_code: Mapped[str] = area_fk()
    from_area_code: Mapped[str] = mapped_column(String(12), ForeignKey("areas.code"))
    moved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Who moved it: the caller of moveChild, or who gave a requested move its last acceptance.
    moved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Who requested the move, when it was requested (child_move_requests).
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Set when the family moved along (the child was the last of its household to leave).
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("households.id"))


class ChildMoveRequest(Synced, Base):
    """A village's request to move a child's file to another village, and its acceptances.

    `area_code` is the sending village, `to_area_code` the receiving one. Each acceptance the
    move needs (app/domain/moves.py) is a pair of columns, who and when; the receiving side
    sees the child's name and birth date kept here, not the file, until the move is done.
    """

    __tablename__ = "child_move_requests"
    __table_args__ = (
        area_prefix_index("child_move_requests"),
        Index(
            "ix_child_move_requests_to_area_code_prefix",
            "to_area_code",
            postgresql_ops={"to_area_code": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), index=True)
    area_code: Mapped[str] = area_fk()
    to_area_code: Mapped[str] = mapped_column(String(12), ForeignKey("areas.code"))
    child_name: Mapped[str] = mapped_column(String(100))
    child_birth_date: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[MoveRequestStatus] = mapped_column(
        enum_column(MoveRequestStatus),
        default=MoveRequestStatus.REQUESTED,
        server_default="requested",
    )
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sending_county_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    sending_county_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receiving_county_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    receiving_county_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receiving_village_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    receiving_village_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The household of the receiving village the child joins, named on its acceptance.
    to_household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("households.id"))
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(String(500))
