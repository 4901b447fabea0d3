"""Who registered a child's file and a household: `created_by_id`, the account that made
the row (registerChild, registerHousehold, a ledger import). Null for the rows made before
this revision, for those a partner system made with its API key, and for the provisional
files a report opens (who made them is the reporter, whom authz/fields.py hides from some).

Set once, when the row is made, and never changed: it is no edit (the touch triggers,
which fire on updates, need no change).

Revision ID: 0036
Revises: 0035
Create Date: 2026-11-29 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("children", "households")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("created_by_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f(f"fk_{table}_created_by_id_users"), table, "users", ["created_by_id"], ["id"]
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_constraint(op.f(f"fk_{table}_created_by_id_users"), table, type_="foreignkey")
        op.drop_column(table, "created_by_id")
