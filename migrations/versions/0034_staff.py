"""The staff register: appointment and leaving days, trainings, one-time passwords, personal
API keys, and who may manage whom.

Seed 002 puts directors and supervisors under real-name management and lets a new director
start work only after passing training. The service may not write the policy table (0003);
the roles a manager grants a person beyond their own are `g` rules it writes through two
functions that touch nothing else: a person's grants (`user:` subjects), never a role's
permissions, never the administrator's role. A training recorded or changed sends the account's
invalidation notice (as a change of its row does), so every process sees at once that the
person may now write. The account's notice also goes out when a reset sets, or a change
clears, the one-time password.

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-29 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shouhu_app"
# TaskKind and TaskSubject before this revision.
KINDS = (
    "respond_to_report", "find_guardian", "contact_parents", "confirm_guardian",
    "visit_overdue", "case_overdue", "referral_unanswered", "dropout_not_returned",
)  # fmt: skip
SUBJECTS = ("child", "case", "guardianship", "referral")
# As in authz/policy.csv on the day of this revision.
RULES = (
    ("township_supervisor", "staff", "read"),
    ("county_civil_affairs", "staff", "read"),
    ("city", "staff", "read"),
    ("province", "staff", "read"),
    ("admin", "staff", "read"),
    ("township_supervisor", "staff_work", "read"),
    ("county_civil_affairs", "staff_work", "read"),
    ("township_supervisor", "village_director", "manage"),
    ("county_civil_affairs", "village_director", "manage"),
    ("county_civil_affairs", "township_supervisor", "manage"),
    ("city", "township_supervisor", "manage"),
    ("city", "county_civil_affairs", "manage"),
    ("province", "city", "manage"),
    *(
        ("admin", role, "manage")
        for role in (
            "village_director", "township_supervisor", "county_civil_affairs", "city",
            "province", "protection_centre", "police", "school", "ngo", "partner_agency",
        )
    ),
)  # fmt: skip
USER_COLUMNS = (
    "role", "area_code", "organization_id", "is_active", "deleted_at", "username",
    "must_change_password",
)  # fmt: skip


def _check(table: str, column: str, values: Sequence[str]) -> None:
    name = f"ck_{table}_{column}"
    listed = ", ".join(f"'{value}'" for value in values)
    op.drop_constraint(name, table, type_="check")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({listed}))")


def _users_trigger(columns: Sequence[str]) -> None:
    op.execute("DROP TRIGGER users_changed ON users")
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    op.execute(
        f"CREATE TRIGGER users_changed AFTER UPDATE OF {', '.join(columns)} ON users "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION shouhu_user_changed()"
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("appointed_on", sa.Date(), nullable=True))
    op.add_column("users", sa.Column("left_on", sa.Date(), nullable=True))
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column("api_keys", sa.Column("user_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_api_keys_user_id_users"), "api_keys", "users", ["user_id"], ["id"]
    )
    op.create_index(op.f("ix_api_keys_user_id"), "api_keys", ["user_id"])
    op.create_table(
        "staff_trainings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.Column("course", sa.String(length=200), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "passed",
                "failed",
                name=op.f("ck_staff_trainings_result"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        *(
            sa.Column(
                name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
            )
            for name in ("created_at", "updated_at")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_trainings_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_staff_trainings_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_trainings")),
    )
    op.create_index(
        "ix_staff_trainings_user_id_trained_on", "staff_trainings", ["user_id", "trained_on"]
    )
    op.execute(
        """
        CREATE FUNCTION shouhu_training_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(
                'shouhu_invalidate', 'user:' || COALESCE(NEW.user_id, OLD.user_id)::text
            );
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER staff_trainings_changed AFTER INSERT OR UPDATE OR DELETE "
        "ON staff_trainings FOR EACH ROW EXECUTE FUNCTION shouhu_training_changed()"
    )
    _users_trigger(USER_COLUMNS)
    op.execute(
        """
        CREATE FUNCTION shouhu_grant_role(subject text, role text, domain text)
        RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            IF subject NOT LIKE 'user:%' OR role = 'admin' THEN
                RAISE EXCEPTION 'only a person''s grant of a role below the administrator';
            END IF;
            -- An empty table stands for the default file (authz/policy_store.py): one rule
            -- in it would be the whole policy. Start-up fills it (app/cli/bootstrap.py).
            IF NOT EXISTS (SELECT FROM casbin_rule) THEN
                RAISE EXCEPTION 'the policy table is empty: start the service once to fill it';
            END IF;
            IF EXISTS (SELECT FROM casbin_rule WHERE ptype = 'g' AND v0 = subject
                       AND v1 = role AND v2 = domain) THEN
                RETURN false;
            END IF;
            INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', subject, role, domain);
            RETURN true;
        END $$
        """
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION shouhu_grant_role(text, text, text) TO {APP_ROLE}")
    # role and domain null: every grant of the person (they left).
    op.execute(
        """
        CREATE FUNCTION shouhu_revoke_grants(subject text, role text, domain text)
        RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        DECLARE
            removed integer;
        BEGIN
            IF subject NOT LIKE 'user:%' THEN
                RAISE EXCEPTION 'only a person''s grants';
            END IF;
            DELETE FROM casbin_rule WHERE ptype = 'g' AND v0 = subject
                AND (role IS NULL OR v1 = role) AND (domain IS NULL OR v2 = domain);
            GET DIAGNOSTICS removed = ROW_COUNT;
            RETURN removed;
        END $$
        """
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION shouhu_revoke_grants(text, text, text) TO {APP_ROLE}")
    _check("tasks", "kind", (*KINDS, "staff_training"))
    _check("tasks", "subject_type", (*SUBJECTS, "staff"))
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.execute("DELETE FROM tasks WHERE kind = 'staff_training' OR subject_type = 'staff'")
    _check("tasks", "subject_type", SUBJECTS)
    _check("tasks", "kind", KINDS)
    op.execute("DROP FUNCTION shouhu_revoke_grants(text, text, text)")
    op.execute("DROP FUNCTION shouhu_grant_role(text, text, text)")
    _users_trigger(USER_COLUMNS[:-1])
    op.execute("DROP TRIGGER staff_trainings_changed ON staff_trainings")
    op.execute("DROP FUNCTION shouhu_training_changed()")
    op.drop_table("staff_trainings")
    op.drop_index(op.f("ix_api_keys_user_id"), table_name="api_keys")
    op.drop_constraint(op.f("fk_api_keys_user_id_users"), "api_keys", type_="foreignkey")
    op.drop_column("api_keys", "user_id")
    op.drop_column("users", "must_change_password")
    op.drop_column("users", "left_on")
    op.drop_column("users", "appointed_on")
