"""Workflow by category: the dropout path's stages, joined reports and written reports.

A dropout case has its own stages (persuasion, persuasion failed) and a written report
(case event kind `written_report`) whose recipients are kept on the event
(`recipient_organization_ids`); a report that joins an open case is a `reported` event that
names its source and reporting unit (`source`, `reporter_organization_id`). Open dropout cases
still waiting in the emergency path's first stage move to persuasion, with its deadline.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("reported", "emergency_response", "assessment", "assistance", "intervention",
          "follow_up", "closed")  # fmt: skip
DROPOUT_STAGES = ("persuasion", "persuasion_failed")
# Those before this migration: 0016 added "handover".
KINDS = ("reported", "stage_change", "note", "referral", "measure", "absence", "handover")
SOURCES = ("school", "kindergarten", "clinic", "village", "ngo", "police", "public", "hotline")
# (table, column): the CHECK constraints that list the stages.
STAGE_COLUMNS = (("cases", "stage"), ("case_events", "from_stage"), ("case_events", "to_stage"))


def _check(table: str, column: str, values: Sequence[str]) -> None:
    """Replace the CHECK of an enum column by one allowing `values`."""
    name = op.f(f"ck_{table}_{column}")
    op.drop_constraint(name, table, type_="check")
    listed = ", ".join(f"'{value}'" for value in values)
    op.create_check_constraint(name, table, f"{column} IN ({listed})")


def upgrade() -> None:
    for table, column in STAGE_COLUMNS:
        _check(table, column, (*STAGES, *DROPOUT_STAGES))
    _check("case_events", "kind", (*KINDS, "written_report"))
    op.add_column(
        "case_events",
        sa.Column(
            "source",
            sa.Enum(*SOURCES, name=op.f("ck_case_events_source"), native_enum=False,
                    create_constraint=True, length=32),
            nullable=True,
        ),
    )  # fmt: skip
    op.add_column("case_events", sa.Column("reporter_organization_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_case_events_reporter_organization_id_organizations"),
        "case_events", "organizations", ["reporter_organization_id"], ["id"],
    )  # fmt: skip
    op.add_column(
        "case_events", sa.Column("recipient_organization_ids", sa.ARRAY(sa.Uuid()), nullable=True)
    )
    op.execute(
        "UPDATE cases SET stage = 'persuasion', stage_entered_at = reported_at, "
        "due_at = reported_at + interval '15 days' "
        "WHERE category = 'dropout' AND stage = 'reported' AND deleted_at IS NULL"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE cases SET stage = 'reported', due_at = stage_entered_at + interval '24 hours' "
        "WHERE stage IN ('persuasion', 'persuasion_failed')"
    )
    op.execute(
        "UPDATE case_events SET from_stage = 'reported' "
        "WHERE from_stage IN ('persuasion', 'persuasion_failed')"
    )
    op.execute(
        "UPDATE case_events SET to_stage = 'reported' "
        "WHERE to_stage IN ('persuasion', 'persuasion_failed')"
    )
    op.execute("UPDATE case_events SET kind = 'note' WHERE kind = 'written_report'")
    op.drop_column("case_events", "recipient_organization_ids")
    op.drop_constraint(
        op.f("fk_case_events_reporter_organization_id_organizations"),
        "case_events",
        type_="foreignkey",
    )
    op.drop_column("case_events", "reporter_organization_id")
    op.drop_column("case_events", "source")
    _check("case_events", "kind", KINDS)
    for table, column in STAGE_COLUMNS:
        _check(table, column, STAGES)
