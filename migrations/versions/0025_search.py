"""Search keys: the keys children and households are found by (app/domain/search.py).

The embedded PostgreSQL has no pg_trgm: the service computes the keys (pinyin, initials,
simplified characters, identifiers; ID numbers only as keyed fingerprints) and keeps them
in these tables with every write. Rows on file before this revision get their keys from
`shouhu reindex-search` (the keys need the service's Python and its ID number keys).

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-29 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, its record's key column, the record's table); keys go with a record deleted.
TABLES = (
    ("child_search_keys", "child_id", "children"),
    ("household_search_keys", "household_id", "households"),
)


def upgrade() -> None:
    for table, key, record in TABLES:
        op.create_table(
            table,
            sa.Column(key, sa.Uuid(), nullable=False),
            sa.Column("area_code", sa.String(length=12), nullable=False),
            sa.Column("keys", postgresql.ARRAY(sa.Text()), nullable=False),
            sa.ForeignKeyConstraint(
                [key],
                [f"{record}.id"],
                name=op.f(f"fk_{table}_{key}_{record}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{table}")),
        )
        op.create_index(f"ix_{table}_keys", table, ["keys"], postgresql_using="gin")
        op.create_index(
            f"ix_{table}_area_code_prefix",
            table,
            ["area_code"],
            postgresql_ops={"area_code": "varchar_pattern_ops"},
        )


def downgrade() -> None:
    for table, _key, _record in reversed(TABLES):
        op.drop_index(f"ix_{table}_area_code_prefix", table_name=table)
        op.drop_index(f"ix_{table}_keys", table_name=table)
        op.drop_table(table)
