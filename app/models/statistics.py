"""The statistics rollup: every measure of every village, and of every township, by quarter."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, func

from app.domain.measures import MEASURES
from app.models.base import AREA_CODE_LENGTH, Base


def _rollup(name: str) -> Table:
    """One row per area and quarter (`quarter` is its first day), every measure a column.

    A Core table: it is only ever summed, never loaded as objects.
    """
    return Table(
        name,
        Base.metadata,
        Column("area_code", String(AREA_CODE_LENGTH), ForeignKey("areas.code"), primary_key=True),
        Column("quarter", Date, primary_key=True),
        Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        *(Column(m.name, Integer, nullable=False, server_default="0") for m in MEASURES),
        # Area prefixes as leakproof ranges (authz/predicates.area_in), quarter by quarter.
        Index(
            f"ix_{name}_area_code_prefix",
            "area_code",
            "quarter",
            postgresql_ops={"area_code": "varchar_pattern_ops"},
        ),
    )


# Kept current by the writes through the database function shouhu_refresh_statistics
# (migration 0009). Townships are the sums of their villages, so that a province's
# statistics add up 1,500 township rows a quarter rather than 27,000 village rows.
area_quarter_statistics = _rollup("area_quarter_statistics")
township_quarter_statistics = _rollup("township_quarter_statistics")
