"""The daily job: the deadline rules' task kinds, escalation levels, and the days it ran.

A task now has an escalation level (0: the level that owes it first, 1: the township, 2: the
county); one open task per kind, subject and level, so an escalated task stands beside the
one it escalates. `daily_job_runs` has a row per local day the daily job covered: a second
process that takes the job's advisory lock later sees the day done. It is the job's own
bookkeeping, read and written by the owner connection the job runs on, never by callers.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# TaskKind before this revision (0022 added the village's two).
KINDS = ("respond_to_report", "find_guardian", "contact_parents", "confirm_guardian")
DEADLINE_KINDS = ("visit_overdue", "case_overdue", "referral_unanswered", "dropout_not_returned")


def _kinds(values: Sequence[str]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    op.drop_constraint("ck_tasks_kind", "tasks", type_="check")
    op.execute(f"ALTER TABLE tasks ADD CONSTRAINT ck_tasks_kind CHECK (kind IN ({listed}))")


def upgrade() -> None:
    _kinds((*KINDS, *DEADLINE_KINDS))
    op.add_column(
        "tasks",
        sa.Column("escalation_level", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_tasks_escalation_level"), "tasks", "escalation_level BETWEEN 0 AND 2"
    )
    op.drop_index("uq_tasks_open_kind_subject", table_name="tasks")
    op.create_index(
        "uq_tasks_open_kind_subject",
        "tasks",
        ["kind", "subject_id", "escalation_level"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    # The job's rules look up the tasks about a subject, and its escalation the open ones due.
    op.create_index("ix_tasks_subject_id", "tasks", ["subject_id"])
    op.create_table(
        "daily_job_runs",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_daily_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("daily_job_runs")
    op.drop_index("ix_tasks_subject_id", table_name="tasks")
    op.drop_index("uq_tasks_open_kind_subject", table_name="tasks")
    op.execute(
        "DELETE FROM tasks WHERE escalation_level > 0 OR kind IN ("
        + ", ".join(f"'{kind}'" for kind in DEADLINE_KINDS)
        + ")"
    )
    op.create_index(
        "uq_tasks_open_kind_subject",
        "tasks",
        ["kind", "subject_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_constraint(op.f("ck_tasks_escalation_level"), "tasks", type_="check")
    op.drop_column("tasks", "escalation_level")
    _kinds(KINDS)
