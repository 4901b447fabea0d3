"""Ledger imports (台账导入): each import of a county's ledger, and the rows it brought in
without an ID number, by the key that recognizes them when the same ledger comes again."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, area_fk, area_prefix_index, uuid_pk


class LedgerImport(Base):
    """One import (or dry run) of a ledger: who, when, which file, what it did. Append-only.
    `area_code` is the importer's area: the report names children of it."""

    __tablename__ = "ledger_imports"
    __table_args__ = (area_prefix_index("ledger_imports"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    area_code: Mapped[str] = area_fk()
    kind: Mapped[str] = mapped_column(String(32))
    imported_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    importer_label: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    dry_run: Mapped[bool] = mapped_column(Boolean)
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer)
    possible_duplicates: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB)


class ImportedRow(Base):
    """A child brought in by a ledger row without an ID number, by its row key
    (app/domain/imports.row_key): the same row imported again finds this child."""

    __tablename__ = "imported_rows"
    __table_args__ = (area_prefix_index("imported_rows"),)

    row_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), index=True
    )
    area_code: Mapped[str] = area_fk()
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_imports.id"))
