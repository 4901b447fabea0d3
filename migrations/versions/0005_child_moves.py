"""Child moves: the history of which village held a child's file.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_SCOPE = "area_code LIKE ANY ((SELECT shouhu_scope())::text[])"


def upgrade() -> None:
    op.create_table(
        "child_moves",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("from_area_code", sa.String(length=12), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved_by_id", sa.Uuid(), nullable=True),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_child_moves_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_child_moves_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["from_area_code"], ["areas.code"], name=op.f("fk_child_moves_from_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["moved_by_id"], ["users.id"], name=op.f("fk_child_moves_moved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_child_moves_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_moves")),
    )
    op.create_index(
        "ix_child_moves_area_code_prefix",
        "child_moves",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_child_moves_change_seq"), "child_moves", ["change_seq"])
    op.create_index(op.f("ix_child_moves_child_id"), "child_moves", ["child_id"])
    op.execute(
        "CREATE TRIGGER child_moves_touch BEFORE UPDATE ON child_moves "
        "FOR EACH ROW EXECUTE FUNCTION shouhu_touch()"
    )
    op.execute("ALTER TABLE child_moves ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY in_scope ON child_moves USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})")


def downgrade() -> None:
    op.drop_table("child_moves")
