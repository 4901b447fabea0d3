"""Derived child facts, stored and kept current by the writes that change them.

Categories, key-child reasons, whether a confirmed capable guardian is in place, the last
visit and the next visit due are derived by app/domain from a child's facts; storing them
lets lists filter and sort on them with indexes (and statistics count them) instead of
deriving them row by row. `key_child_reasons` becomes `recorded_key_reasons` (the reasons staff
record), next to the derived `key_reasons`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORY = sa.Enum(
    "left_behind",
    "difficulty_economic",
    "difficulty_disability",
    "difficulty_illness",
    "difficulty_safety",
    "scattered_orphan",
    native_enum=False,
    length=32,
)
REASON = sa.Enum(
    "poor_guardianship",
    "living_alone",
    "dropped_out",
    "no_household_registration",
    "ill_or_disabled",
    "parent_imprisoned",
    "parent_substance_abuse",
    "domestic_violence",
    "begging",
    native_enum=False,
    length=32,
)


def upgrade() -> None:
    op.alter_column("children", "key_child_reasons", new_column_name="recorded_key_reasons")
    op.add_column(
        "children",
        sa.Column("categories", sa.ARRAY(CATEGORY), server_default="{}", nullable=False),
    )
    op.add_column(
        "children",
        sa.Column("key_reasons", sa.ARRAY(REASON), server_default="{}", nullable=False),
    )
    op.add_column(
        "children",
        sa.Column("is_key_child", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column(
        "children",
        sa.Column("has_confirmed_guardian", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column("children", sa.Column("last_visit_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("children", sa.Column("next_visit_due", sa.Date(), nullable=True))
    op.add_column("children", sa.Column("derived_on", sa.Date(), nullable=True))
    op.create_index("ix_children_categories", "children", ["categories"], postgresql_using="gin")
    op.create_index("ix_children_next_visit_due", "children", ["next_visit_due"])


def downgrade() -> None:
    op.drop_index("ix_children_next_visit_due", table_name="children")
    op.drop_index("ix_children_categories", table_name="children")
    for column in (
        "derived_on",
        "next_visit_due",
        "last_visit_at",
        "has_confirmed_guardian",
        "is_key_child",
        "key_reasons",
        "categories",
    ):
        op.drop_column("children", column)
    op.alter_column("children", "recorded_key_reasons", new_column_name="key_child_reasons")
