"""The national administrative divisions: province → city → county → township → village."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import AreaLevel
from app.models.base import AREA_CODE_LENGTH, Base, enum_column


class Area(Base):
    """One division. Each level's code is the prefix of the codes below it."""

    __tablename__ = "areas"
    __table_args__ = (
        Index("ix_areas_code_prefix", "code", postgresql_ops={"code": "varchar_pattern_ops"}),
    )

    code: Mapped[str] = mapped_column(String(AREA_CODE_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[AreaLevel] = mapped_column(enum_column(AreaLevel))
    parent_code: Mapped[str | None] = mapped_column(
        String(AREA_CODE_LENGTH), ForeignKey("areas.code"), index=True
    )
