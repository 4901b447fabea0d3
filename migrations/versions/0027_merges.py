"""Merged children's files: a duplicate file merged into the child's file keeps its row, marked
with the file it went into, when and by whom (app/services/child_merges.py); the outbox tells
partners (`child_merged`).

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-29 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# OutboxEventKind before this revision (0023).
KINDS = ("case_reported", "case_stage_changed", "case_closed", "task_opened", "task_escalated")


def _kinds(values: Sequence[str]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    op.drop_constraint("ck_outbox_events_kind", "outbox_events", type_="check")
    op.execute(
        f"ALTER TABLE outbox_events ADD CONSTRAINT ck_outbox_events_kind CHECK (kind IN ({listed}))"
    )


def upgrade() -> None:
    _kinds((*KINDS, "child_merged"))
    op.add_column("children", sa.Column("merged_into_id", sa.Uuid(), nullable=True))
    op.add_column("children", sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("children", sa.Column("merged_by_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_children_merged_into_id_children"),
        "children", "children", ["merged_into_id"], ["id"],
    )  # fmt: skip
    op.create_foreign_key(
        op.f("fk_children_merged_by_id_users"), "children", "users", ["merged_by_id"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_children_merged_by_id_users"), "children", type_="foreignkey")
    op.drop_constraint(op.f("fk_children_merged_into_id_children"), "children", type_="foreignkey")
    op.drop_column("children", "merged_by_id")
    op.drop_column("children", "merged_at")
    op.drop_column("children", "merged_into_id")
    op.execute("DELETE FROM outbox_events WHERE kind = 'child_merged'")
    _kinds(KINDS)
