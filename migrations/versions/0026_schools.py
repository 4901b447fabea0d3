"""Schools: the teacher in charge of a pupil, a school's stage, and who may set and read them.

A child's file gets the teacher who looks after the pupil (教师联系帮扶, seed 001), which
the pupil's school may set (`teacher_in_charge write`, its own pupils only: authz/pupils.py);
an organization gets its stage of schooling (primary, junior secondary), which decides the
dropout target its rate is held to. Schools already on file whose name says their stage get
it (小学 primary; 初中, 初级中学 or 中学 junior secondary); the rest stay unknown until set.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULES = (
    ("school", "teacher_in_charge", "write"),
    ("school", "school_rates", "read"),
    ("county_civil_affairs", "school_rates", "read"),
)
LEVELS = ("primary", "junior_secondary")


def upgrade() -> None:
    op.add_column(
        "children", sa.Column("teacher_in_charge_name", sa.String(length=50), nullable=True)
    )
    op.add_column(
        "children", sa.Column("teacher_in_charge_phone", sa.String(length=32), nullable=True)
    )
    op.add_column("organizations", sa.Column("school_level", sa.String(length=32), nullable=True))
    listed = ", ".join(f"'{level}'" for level in LEVELS)
    op.create_check_constraint(
        op.f("ck_organizations_school_level"), "organizations", f"school_level IN ({listed})"
    )
    op.execute(
        "UPDATE organizations SET school_level = CASE WHEN name LIKE '%小学%' THEN 'primary' "
        "ELSE 'junior_secondary' END "
        "WHERE kind = 'school' AND (name LIKE '%小学%' OR name LIKE '%中学%' OR name LIKE '%初中%')"
    )
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.drop_constraint(op.f("ck_organizations_school_level"), "organizations", type_="check")
    op.drop_column("organizations", "school_level")
    op.drop_column("children", "teacher_in_charge_phone")
    op.drop_column("children", "teacher_in_charge_name")
