"""Ledger imports: each import of a county's ledger (who, when, the file's name and hash, dry
run or not, counts, the report), and the rows it brought in without an ID number by their
row key, so the same ledger imported again finds them. Both hold children's data: row-level
security shows them in their area, as the other rows about a child.

`shouhu_id_numbers_on_file` tells which of some ID number fingerprints are on file anywhere,
and nothing else (SECURITY DEFINER, as the duplicate reports' function): an import refuses
those it cannot see with ID_NUMBER_UNDER_REVIEW before it writes, as registerChild does when
the unique index stops it, without naming the other file.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-29 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shouhu_app"
IN_SCOPE = "area_code LIKE ANY ((SELECT shouhu_scope())::text[])"
ON_FILE = """
CREATE FUNCTION shouhu_id_numbers_on_file(p_prints bytea[]) RETURNS SETOF bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.id_number_hash FROM children c
    WHERE c.id_number_hash = ANY(p_prints) AND c.deleted_at IS NULL
$$
"""


def upgrade() -> None:
    op.create_table(
        "ledger_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("imported_by_id", sa.Uuid(), nullable=True),
        sa.Column("importer_label", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("possible_duplicates", sa.Integer(), nullable=False),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_ledger_imports_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_ledger_imports_imported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_imports")),
    )
    op.create_index(
        "ix_ledger_imports_area_code_prefix",
        "ledger_imports",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        op.f("ix_ledger_imports_file_sha256"), "ledger_imports", ["file_sha256"], unique=False
    )
    op.create_table(
        "imported_rows",
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_imported_rows_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_imported_rows_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["ledger_imports.id"],
            name=op.f("fk_imported_rows_import_id_ledger_imports"),
        ),
        sa.PrimaryKeyConstraint("row_key", name=op.f("pk_imported_rows")),
    )
    op.create_index(
        "ix_imported_rows_area_code_prefix",
        "imported_rows",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_imported_rows_child_id"), "imported_rows", ["child_id"], unique=False)
    for table in ("ledger_imports", "imported_rows"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY in_scope ON {table} USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})")
    op.execute(ON_FILE)
    op.execute("REVOKE ALL ON FUNCTION shouhu_id_numbers_on_file(bytea[]) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION shouhu_id_numbers_on_file(bytea[]) TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("DROP FUNCTION shouhu_id_numbers_on_file(bytea[])")
    op.drop_table("imported_rows")
    op.drop_table("ledger_imports")
