"""School absence submissions: batches kept for idempotent resubmission, absences on cases.

A school's submission is stored with its digest and the answer it got, so that resending the
same batch (a retry after a lost response) returns that answer and writes nothing. An
unexcused absence of a child with an open dropout case records that case.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_SCOPE = "area_code LIKE ANY ((SELECT shouhu_scope())::text[])"


def upgrade() -> None:
    op.create_table(
        "absence_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.String(length=100), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
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
            ["area_code"], ["areas.code"], name=op.f("fk_absence_batches_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organizations.id"],
            name=op.f("fk_absence_batches_school_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence_batches")),
        sa.UniqueConstraint(
            "school_id", "batch_id", name=op.f("uq_absence_batches_school_id_batch_id")
        ),
    )
    op.create_index(
        "ix_absence_batches_area_code_prefix",
        "absence_batches",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.execute("ALTER TABLE absence_batches ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY in_scope ON absence_batches USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})"
    )
    op.add_column("absence_records", sa.Column("case_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_absence_records_case_id_cases"), "absence_records", "cases", ["case_id"], ["id"]
    )
    op.create_index(op.f("ix_absence_records_case_id"), "absence_records", ["case_id"])
    # Batches are found in absence_batches; one index less on the table submissions write most.
    op.drop_index("ix_absence_records_batch_id", table_name="absence_records")


def downgrade() -> None:
    op.create_index("ix_absence_records_batch_id", "absence_records", ["batch_id"])
    op.drop_index(op.f("ix_absence_records_case_id"), table_name="absence_records")
    op.drop_constraint(
        op.f("fk_absence_records_case_id_cases"), "absence_records", type_="foreignkey"
    )
    op.drop_column("absence_records", "case_id")
    op.drop_table("absence_batches")
