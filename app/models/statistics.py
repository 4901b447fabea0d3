"""The statistics rollup: every measure of every village for every quarter."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, func

from app.domain.measures import MEASURES
from app.models.base import AREA_CODE_LENGTH, Base

# One row per village and quarter (`quarter` is its first day), kept current by the writes
# through the database function shouhu_refresh_statistics (migration 0008); a Core table,
# since it is only ever summed, never loaded as objects.
area_quarter_statistics = Table(
    "area_quarter_statistics",
    Base.metadata,
    Column("area_code", String(AREA_CODE_LENGTH), ForeignKey("areas.code"), primary_key=True),
    Column("quarter", Date, primary_key=True),
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    *(Column(m.name, Integer, nullable=False, server_default="0") for m in MEASURES),
    # Area prefixes as leakproof ranges (authz/predicates.area_in), quarter by quarter.
    Index(
        "ix_area_quarter_statistics_area_code_prefix",
        "area_code",
        "quarter",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    ),
)
