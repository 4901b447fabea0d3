"""The read audit's rows without foreign-key checks: each request that shows files in full
writes one `audit_reads` row per file in the same statement as its `audit_events` row
(app/services/audit.py), so both checks are redundant there: the event id is the one the
statement has just inserted, and the actor is the event's, which its own key checks. They
cost two trigger calls a row, about a tenth of a 50-child caseload's statement.

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-29 13:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("fk_audit_reads_event_id_audit_events", "audit_reads", type_="foreignkey")
    op.drop_constraint("fk_audit_reads_actor_user_id_users", "audit_reads", type_="foreignkey")


def downgrade() -> None:
    op.create_foreign_key(
        "fk_audit_reads_event_id_audit_events", "audit_reads", "audit_events",
        ["event_id"], ["id"],
    )  # fmt: skip
    op.create_foreign_key(
        "fk_audit_reads_actor_user_id_users", "audit_reads", "users", ["actor_user_id"], ["id"]
    )
