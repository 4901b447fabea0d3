"""A visit names the protection case it follows up: `visits.case_id`.

A case follow-up visit (个案回访, the follow-up stage of seed 004) must name its case; other
visits may. Nullable: visits before this have none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("visits", sa.Column("case_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(op.f("fk_visits_case_id_cases"), "visits", "cases", ["case_id"], ["id"])
    op.create_index(op.f("ix_visits_case_id"), "visits", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_visits_case_id"), table_name="visits")
    op.drop_constraint(op.f("fk_visits_case_id_cases"), "visits", type_="foreignkey")
    op.drop_column("visits", "case_id")
