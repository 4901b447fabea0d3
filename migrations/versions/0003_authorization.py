"""Authorization: Casbin rules table, the application role, and row-level security.

The service connects as `shouhu_app`, which owns nothing, so the row-level-security policies
below apply to it. Each policy admits a row only if its area code matches one of the patterns
the service sets per transaction in `shouhu.scope` (see authz/session.py); with no scope set,
no row is visible. The role is created here if it does not exist (roles belong to the server,
not the database, so downgrading leaves it in place).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shouhu_app"
SCOPED_TABLES = (
    "absence_records",
    "case_events",
    "cases",
    "children",
    "guardianships",
    "households",
    "ngo_contract_children",
    "ngo_contracts",
    "parents",
    "visits",
)
# The scalar subquery makes the scope an InitPlan, computed once per query, not per row.
IN_SCOPE = "area_code LIKE ANY ((SELECT shouhu_scope())::text[])"
# A school's own submissions that matched no child have no area yet.
OWN_UNMATCHED_ABSENCES = (
    "(area_code IS NULL AND school_id::text = current_setting('shouhu.organization', true))"
)


def upgrade() -> None:
    op.create_table(
        "casbin_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ptype", sa.String(length=8), nullable=False),
        sa.Column("v0", sa.String(length=100), nullable=False),
        sa.Column("v1", sa.String(length=100), nullable=False),
        sa.Column("v2", sa.String(length=100), nullable=False),
        sa.Column("v3", sa.String(length=100), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_casbin_rule")),
        sa.UniqueConstraint(
            "ptype", "v0", "v1", "v2", "v3", name=op.f("uq_casbin_rule_ptype_v0_v1_v2_v3")
        ),
    )
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} LOGIN;
            END IF;
        -- Roles are the server's: another database migrating at the same time made it
        -- between the check and CREATE ROLE (the tests' workers on one DATABASE_URL).
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END
        $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    # Tables of later migrations get the same grants.
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}"
    )
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {APP_ROLE}")
    # The audit trail is append-only for the service.
    op.execute(f"REVOKE UPDATE, DELETE ON audit_events FROM {APP_ROLE}")
    # Policies are managed by administrators through the CLI, not by the service.
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON casbin_rule FROM {APP_ROLE}")
    op.execute(
        """
        CREATE FUNCTION shouhu_scope() RETURNS text[] LANGUAGE sql STABLE AS $$
            SELECT coalesce(
                string_to_array(nullif(current_setting('shouhu.scope', true), ''), ','),
                '{}'::text[]
            )
        $$
        """
    )
    for table in SCOPED_TABLES:
        condition = IN_SCOPE
        if table == "absence_records":
            condition = f"({IN_SCOPE} OR {OWN_UNMATCHED_ABSENCES})"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY in_scope ON {table} USING ({condition}) WITH CHECK ({condition})"
        )


def downgrade() -> None:
    for table in SCOPED_TABLES:
        op.execute(f"DROP POLICY in_scope ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION shouhu_scope()")
    op.drop_table("casbin_rule")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}"
    )
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}"
    )
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
