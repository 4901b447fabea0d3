"""Duplicates passed on to be reconciled; the read audit supervisors can use.

`duplicate_reports`: a child registered (or edited) with an ID number on file for a child the
user may not see is refused without saying where; the attempt is recorded here for the
townships and counties of both places. Row-level security shows a report in either place;
the service may only read it: `shouhu_report_duplicate_child` (SECURITY DEFINER, as it must
find the child on file, which row-level security hides from the service) writes it.

`audit_reads`: one row per child whose file a request showed in full, beside the request's
audit event (one statement for both), for `auditEvents`. Row-level security lets the service
read those of the caller's areas and append to them, never change them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shouhu_app"
IN_SCOPE = "LIKE ANY ((SELECT shouhu_scope())::text[])"
REPORT_DUPLICATE = """
CREATE FUNCTION shouhu_report_duplicate_child(
    p_id_number varchar, p_area_code varchar, p_household_id uuid, p_attempted_child_id uuid,
    p_name varchar, p_gender varchar, p_birth_date date, p_reported_by uuid,
    p_reporter_label varchar, p_reported_at timestamptz
) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO duplicate_reports AS d (
        id, area_code, household_id, attempted_child_id, name, gender, birth_date,
        existing_child_id, existing_area_code, reported_by_id, reporter_label, reported_at
    )
    SELECT gen_random_uuid(), p_area_code, p_household_id, p_attempted_child_id, p_name,
        p_gender, p_birth_date, c.id, c.area_code, p_reported_by, p_reporter_label,
        p_reported_at
    FROM children c
    WHERE c.id_number = p_id_number AND c.deleted_at IS NULL
        AND c.id IS DISTINCT FROM p_attempted_child_id
    ON CONFLICT (existing_child_id, household_id) DO UPDATE SET
        attempted_child_id = excluded.attempted_child_id, name = excluded.name,
        gender = excluded.gender, birth_date = excluded.birth_date,
        reported_by_id = excluded.reported_by_id, reporter_label = excluded.reporter_label,
        reported_at = excluded.reported_at, attempts = d.attempts + 1
$$
"""
REPORT_DUPLICATE_ARGS = (
    "varchar, varchar, uuid, uuid, varchar, varchar, date, uuid, varchar, timestamptz"
)


def upgrade() -> None:
    op.create_table(
        "duplicate_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("attempted_child_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "gender",
            sa.Enum(
                "male",
                "female",
                name=op.f("ck_duplicate_reports_gender"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("existing_child_id", sa.Uuid(), nullable=False),
        sa.Column("existing_area_code", sa.String(length=12), nullable=False),
        sa.Column("reported_by_id", sa.Uuid(), nullable=True),
        sa.Column("reporter_label", sa.String(length=200), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_duplicate_reports_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["existing_area_code"],
            ["areas.code"],
            name=op.f("fk_duplicate_reports_existing_area_code_areas"),
        ),
        sa.ForeignKeyConstraint(
            ["existing_child_id"],
            ["children.id"],
            name=op.f("fk_duplicate_reports_existing_child_id_children"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_duplicate_reports_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["users.id"], name=op.f("fk_duplicate_reports_reported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_reports")),
    )
    op.create_index(
        "ix_duplicate_reports_area_code_prefix",
        "duplicate_reports",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        "ix_duplicate_reports_existing_area_code_prefix",
        "duplicate_reports",
        ["existing_area_code"],
        postgresql_ops={"existing_area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        "uq_duplicate_reports_existing_child_id_household_id",
        "duplicate_reports",
        ["existing_child_id", "household_id"],
        unique=True,
    )
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON duplicate_reports FROM {APP_ROLE}")
    op.execute("ALTER TABLE duplicate_reports ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY in_scope ON duplicate_reports FOR SELECT USING "
        f"(area_code {IN_SCOPE} OR existing_area_code {IN_SCOPE})"
    )
    op.execute(REPORT_DUPLICATE)
    op.execute(
        f"REVOKE ALL ON FUNCTION shouhu_report_duplicate_child({REPORT_DUPLICATE_ARGS}) FROM PUBLIC"
    )
    op.execute(
        f"GRANT EXECUTE ON FUNCTION shouhu_report_duplicate_child({REPORT_DUPLICATE_ARGS}) "
        f"TO {APP_ROLE}"
    )

    op.create_table(
        "audit_reads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("id_number", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_audit_reads_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_events.id"], name=op.f("fk_audit_reads_event_id_audit_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_reads")),
    )
    op.create_index(
        "ix_audit_reads_area_code_prefix",
        "audit_reads",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        "ix_audit_reads_child_id_occurred_at", "audit_reads", ["child_id", "occurred_at"]
    )
    op.create_index(
        "ix_audit_reads_actor_user_id_occurred_at", "audit_reads", ["actor_user_id", "occurred_at"]
    )
    op.execute(f"REVOKE UPDATE, DELETE ON audit_reads FROM {APP_ROLE}")
    op.execute("ALTER TABLE audit_reads ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY in_scope ON audit_reads FOR SELECT USING (area_code {IN_SCOPE})")
    # Reads are recorded by sessions without a scope (the audit's own, app/audit.py).
    op.execute("CREATE POLICY append ON audit_reads FOR INSERT WITH CHECK (true)")


def downgrade() -> None:
    op.drop_table("audit_reads")
    op.execute(f"DROP FUNCTION shouhu_report_duplicate_child({REPORT_DUPLICATE_ARGS})")
    op.drop_table("duplicate_reports")
