"""Declarative base, naming convention and the columns most tables share."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    Sequence,
    String,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from app import clock
from app.enums import LabeledEnum

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

AREA_CODE_LENGTH = 12


class Base(DeclarativeBase):
    """Base of every model; constraint names follow NAMING_CONVENTION so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# One sequence for every synced table: a row's change_seq orders all changes for delta sync.
CHANGE_SEQ = Sequence("change_seq", metadata=Base.metadata)


def enum_column(enum: type[LabeledEnum], *, create_constraint: bool = True) -> Enum:
    """A VARCHAR column type for a LabeledEnum, storing values and checked by the database.

    VARCHAR plus a CHECK rather than a native PostgreSQL enum, so adding a value is a plain
    migration. Array elements pass `create_constraint=False` (a CHECK cannot see into arrays).
    """
    return Enum(
        enum,
        name=None,  # unnamed, so the naming convention names each CHECK by its column
        native_enum=False,
        create_constraint=create_constraint,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def uuid_pk() -> Mapped[uuid.UUID]:
    """A UUID primary key; clients may generate it (offline creates), the server otherwise."""
    return mapped_column(primary_key=True, default=uuid.uuid4)


# The column of the rows about a child that a move of the child rewrites (app/services/children.py).
FOLLOWS_THE_CHILD = ("area_code",)


def area_fk(*, nullable: bool = False) -> Mapped[Any]:
    """The area code column every place-bound row carries (a village for people-bound rows)."""
    return mapped_column(String(AREA_CODE_LENGTH), ForeignKey("areas.code"), nullable=nullable)


def area_prefix_index(table: str) -> Index:
    """A btree index usable for `area_code LIKE '420702%'` whatever the database collation."""
    return Index(
        f"ix_{table}_area_code_prefix",
        "area_code",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )


def id_number_sealed_check(table: str) -> CheckConstraint:
    """A sealed ID number and its fingerprint are stored together or not at all."""
    return CheckConstraint(
        "(id_number_enc IS NULL) = (id_number_hash IS NULL)",
        name=f"ck_{table}_id_number_sealed",
    )


class Timestamped:
    """Creation and last-update times; the database keeps updated_at current by trigger."""

    # The service's clock (app/clock.py) for rows the ORM makes, so "recorded today" agrees
    # with every other rule about today; the database's clock for rows COPY loads.
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Synced(Timestamped):
    """Columns of every mutable, synced row.

    `version` counts the edits of the record: the touch trigger moves it when a column
    changes that is neither bookkeeping nor one of `not_edits`, whoever writes the row, and
    SQLAlchemy reads it back and checks it as its optimistic lock (an UPDATE with a stale
    version fails). `change_seq` is set from one global sequence on insert and by the trigger
    on every update, and `change_xid` to the writing transaction, so a device can pull what
    changed since a cursor, derived facts included; `deleted_at` is the soft delete.
    """

    # Columns whose change is no edit of this record and leaves `version` as it is: facts
    # derived from other records, the village a row follows its child to. The table's touch
    # trigger is given them (tests/cli/test_migrations.py checks the two agree).
    not_edits: ClassVar[tuple[str, ...]] = ()

    version: Mapped[int] = mapped_column(default=1, server_default="1")
    change_seq: Mapped[int] = mapped_column(
        BigInteger, server_default=CHANGE_SEQ.next_value(), index=True
    )
    # The writing transaction's id: delta sync hands out only rows of transactions older than
    # every transaction still running, so a late commit is never skipped.
    change_xid: Mapped[int] = mapped_column(
        BigInteger, server_default=text("(pg_current_xact_id()::text)::bigint"), index=True
    )
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The database sets the version (the touch trigger); the ORM reads it back.
        return {"version_id_col": cls.version, "version_id_generator": False}
