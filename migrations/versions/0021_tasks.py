"""Tasks: work a rule found owed, one open task per kind and subject.

Row-level security shows a task in its area, as the other rows about a child; which of them
a caller is given (its role's, its own, its organization's) is the ORM predicate's
(authz/predicates.py). `task read` and `task complete` for village directors, township
supervisors and counties.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_SCOPE = "area_code LIKE ANY ((SELECT shouhu_scope())::text[])"
# As in authz/policy.csv on the day of this revision: added to a rule table already filled
# (an empty one is filled from the file at start-up).
RULES = (
    ("village_director", "task", "read"),
    ("village_director", "task", "complete"),
    ("township_supervisor", "task", "read"),
    ("township_supervisor", "task", "complete"),
    ("county_civil_affairs", "task", "read"),
    ("county_civil_affairs", "task", "complete"),
)
ROLES = ("village_director", "township_supervisor", "county_civil_affairs", "protection_centre",
         "police", "school", "ngo", "city", "province", "admin", "partner_agency")  # fmt: skip


def _enum(column: str, *values: str) -> sa.Enum:
    return sa.Enum(
        *values,
        name=op.f(f"ck_tasks_{column}"),
        native_enum=False,
        create_constraint=True,
        length=32,
    )


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("kind", _enum("kind", "respond_to_report", "find_guardian"), nullable=False),
        sa.Column(
            "subject_type",
            _enum("subject_type", "child", "case", "guardianship", "referral"),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("priority", _enum("priority", "urgent", "high", "normal"), nullable=False),
        sa.Column(
            "status",
            _enum("status", "open", "done", "dismissed"),
            server_default="open",
            nullable=False,
        ),
        sa.Column("assignee_role", _enum("assignee_role", *ROLES), nullable=True),
        sa.Column("assignee_user_id", sa.Uuid(), nullable=True),
        sa.Column("assignee_organization_id", sa.Uuid(), nullable=True),
        sa.Column("dismiss_reason", sa.String(length=500), nullable=True),
        sa.Column("closed_by_id", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
        ),
        sa.Column(
            "change_xid",
            sa.BigInteger(),
            server_default=sa.text("(pg_current_xact_id()::text)::bigint"),
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
            ["area_code"], ["areas.code"], name=op.f("fk_tasks_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_tasks_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"], ["users.id"], name=op.f("fk_tasks_assignee_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_organization_id"],
            ["organizations.id"],
            name=op.f("fk_tasks_assignee_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_tasks_closed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index(
        "ix_tasks_area_code_prefix",
        "tasks",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        "uq_tasks_open_kind_subject",
        "tasks",
        ["kind", "subject_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    for column in ("change_seq", "change_xid", "child_id"):
        op.create_index(op.f(f"ix_tasks_{column}"), "tasks", [column])
    op.execute(
        "CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks "
        "FOR EACH ROW EXECUTE FUNCTION shouhu_touch('area_code')"
    )
    op.execute("ALTER TABLE tasks ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY in_scope ON tasks USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})")
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.drop_table("tasks")
