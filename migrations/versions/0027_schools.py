"""Schools: the teacher in charge of a pupil, and the school's right to set it.

A child's file gets the teacher who looks after the pupil (教师联系帮扶, seed 001), which
the pupil's school may set (`teacher_in_charge write`, its own pupils only: authz/pupils.py).

Revision ID: 0027
Revises: 0025
Create Date: 2026-11-29 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0027"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULES = (("school", "teacher_in_charge", "write"),)


def upgrade() -> None:
    op.add_column(
        "children", sa.Column("teacher_in_charge_name", sa.String(length=50), nullable=True)
    )
    op.add_column(
        "children", sa.Column("teacher_in_charge_phone", sa.String(length=32), nullable=True)
    )
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.drop_column("children", "teacher_in_charge_phone")
    op.drop_column("children", "teacher_in_charge_name")
