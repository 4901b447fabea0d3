"""Outbox and webhooks: events written in the transaction that caused them, the partner
systems a county registers, and each event's delivery to each.

The service (the application role) may only append events: it never reads, changes or
deletes them, and never touches deliveries; the delivery worker runs as the owner, across
counties, like `shouhu derive`. Subscribers are a county's rows: row-level security shows
them in the caller's scope, and `webhook manage` is for county bureaus and administrators.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 04:00:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shouhu_app"
IN_SCOPE = "area_code LIKE ANY ((SELECT shouhu_scope())::text[])"
# As in authz/policy.csv on the day of this revision.
RULES = (
    ("county_civil_affairs", "webhook", "manage"),
    ("admin", "webhook", "manage"),
)
KINDS = (
    "case_reported", "case_stage_changed", "case_closed", "task_opened", "task_escalated",
)  # fmt: skip


def _created_updated() -> list[sa.Column[datetime]]:
    return [
        sa.Column(
            name,
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        )
        for name in ("created_at", "updated_at")
    ]


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                *KINDS,
                name=op.f("ck_outbox_events_kind"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    op.create_index(
        "ix_outbox_events_area_code_prefix",
        "outbox_events",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        "ix_outbox_events_unfanned",
        "outbox_events",
        ["occurred_at"],
        postgresql_where=sa.text("fanned_out_at IS NULL"),
    )
    op.create_table(
        "webhook_subscribers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column(
            "kinds", postgresql.ARRAY(sa.String(length=32)), server_default="{}", nullable=False
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        *_created_updated(),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_webhook_subscribers_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_webhook_subscribers_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscribers")),
    )
    op.create_index(
        "ix_webhook_subscribers_area_code_prefix",
        "webhook_subscribers",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("subscriber_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "dead",
                name=op.f("ck_webhook_deliveries_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_outbox_events"),
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["webhook_subscribers.id"],
            name=op.f("fk_webhook_deliveries_subscriber_id_webhook_subscribers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "event_id", "subscriber_id", name=op.f("uq_webhook_deliveries_event_id_subscriber_id")
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_webhook_deliveries_subscriber_id", "webhook_deliveries", ["subscriber_id"])
    # The service appends events and nothing else; deliveries are the worker's alone.
    op.execute(f"REVOKE SELECT, UPDATE, DELETE ON outbox_events FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON webhook_deliveries FROM {APP_ROLE}")
    op.execute("ALTER TABLE webhook_subscribers ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY in_scope ON webhook_subscribers USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})"
    )
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscribers")
    op.drop_table("outbox_events")
