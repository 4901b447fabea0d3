"""Delta sync: each synced row records the transaction that last wrote it.

A pull hands out rows written by transactions older than the oldest one still running
(pg_snapshot_xmin), so a transaction that commits late is picked up by the next pull instead
of being skipped behind a cursor that moved past it. The moves of a child are visible from
the village it left too, so a device there learns that the child left.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 13:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYNCED_TABLES = (
    "case_events",
    "cases",
    "child_moves",
    "children",
    "guardianships",
    "households",
    "ngo_contract_children",
    "ngo_contracts",
    "organizations",
    "parents",
    "users",
    "visits",
)
CURRENT_XID = "(pg_current_xact_id()::text)::bigint"
TOUCH = """
CREATE OR REPLACE FUNCTION shouhu_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    NEW.change_seq := nextval('change_seq');
    {xid}
    -- SQLAlchemy bumps version itself (optimistic lock); raw SQL updates get it here.
    IF NEW.version = OLD.version THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END
$$
"""
SCOPE = "LIKE ANY ((SELECT shouhu_scope())::text[])"


def upgrade() -> None:
    for table in SYNCED_TABLES:
        op.add_column(
            table,
            sa.Column("change_xid", sa.BigInteger(), server_default=sa.text(CURRENT_XID),
                      nullable=False),
        )  # fmt: skip
        op.create_index(op.f(f"ix_{table}_change_xid"), table, ["change_xid"])
    op.execute(TOUCH.format(xid=f"NEW.change_xid := {CURRENT_XID};"))
    op.execute("DROP POLICY in_scope ON child_moves")
    condition = f"area_code {SCOPE} OR from_area_code {SCOPE}"
    op.execute(
        f"CREATE POLICY in_scope ON child_moves USING ({condition}) WITH CHECK ({condition})"
    )


def downgrade() -> None:
    op.execute("DROP POLICY in_scope ON child_moves")
    op.execute(f"CREATE POLICY in_scope ON child_moves USING (area_code {SCOPE}) "
               f"WITH CHECK (area_code {SCOPE})")  # fmt: skip
    op.execute(TOUCH.format(xid=""))
    for table in SYNCED_TABLES:
        op.drop_index(op.f(f"ix_{table}_change_xid"), table_name=table)
        op.drop_column(table, "change_xid")
