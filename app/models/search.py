"""The search keys of children and households (app/domain/search.py), kept by the service.

One row per record, its keys in a text[] with a GIN index: the embedded PostgreSQL has no
pg_trgm, so the service computes the keys itself and maintains them with every write
(app/services/search_keys.py). A row is only ever read joined to its record, whose scope
and row-level security decide what may be found.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, area_prefix_index


class ChildSearchKeys(Base):
    """A child's search keys: name, student number, ID number, parents' phones."""

    __tablename__ = "child_search_keys"
    __table_args__ = (
        Index("ix_child_search_keys_keys", "keys", postgresql_using="gin"),
        area_prefix_index("child_search_keys"),
    )

    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), primary_key=True
    )
    # The record's area, copied: the keys and the area narrow the matches together (a bitmap
    # AND of both indexes) before any record is read.
    area_code: Mapped[str] = mapped_column(String(12))
    keys: Mapped[list[str]] = mapped_column(ARRAY(Text))


class HouseholdSearchKeys(Base):
    """A household's search keys: its parents' and children's names, its phones."""

    __tablename__ = "household_search_keys"
    __table_args__ = (
        Index("ix_household_search_keys_keys", "keys", postgresql_using="gin"),
        area_prefix_index("household_search_keys"),
    )

    household_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    # The record's area, copied: the keys and the area narrow the matches together (a bitmap
    # AND of both indexes) before any record is read.
    area_code: Mapped[str] = mapped_column(String(12))
    keys: Mapped[list[str]] = mapped_column(ARRAY(Text))
