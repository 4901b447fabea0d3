"""Failed logins in a row, per account and per client address, for login throttling.

Kept in the database so that every worker process counts the same failures (a later issue
moves the API keys' rate limits here too). Not area-scoped, so no row-level security: the
service reads it only through app/auth/throttle.py, before and after checking a password.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
# 0011 and 0012 come from other branches of issue 12: chain to "0012" when they are merged.
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('account', 'address')", name="ck_login_failures_kind"),
        sa.PrimaryKeyConstraint("kind", "subject", name=op.f("pk_login_failures")),
    )
    # Forgotten failures are deleted by age.
    op.create_index(
        op.f("ix_login_failures_last_failure_at"), "login_failures", ["last_failure_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_last_failure_at"), table_name="login_failures")
    op.drop_table("login_failures")
