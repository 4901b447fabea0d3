"""Moves a village requests: `child_move_requests`; who requested a move: `child_moves`.

A village director (or township) requests a move of a child of its village to another
village; the receiving village's director or township accepts it, and across counties both
counties' civil-affairs bureaus first (app/domain/moves.py). Row-level security shows a
request on either side. `child_moves.requested_by_id`: who requested a move done by request
(`moved_by_id` is who gave it its last acceptance).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE = "LIKE ANY ((SELECT shouhu_scope())::text[])"
EITHER_SIDE = f"area_code {SCOPE} OR to_area_code {SCOPE}"
# As in authz/policy.csv on the day of this revision: added to a rule table already filled
# (an empty one is filled from the file at start-up).
RULES = (
    ("village_director", "child_move", "request"),
    ("village_director", "child_move", "accept"),
    ("township_supervisor", "child_move", "request"),
    ("township_supervisor", "child_move", "accept"),
    ("county_civil_affairs", "child_move", "approve"),
)
USERS = ("requested_by", "sending_county_by", "receiving_county_by", "receiving_village_by",
         "closed_by")  # fmt: skip


def upgrade() -> None:
    op.add_column("child_moves", sa.Column("requested_by_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_child_moves_requested_by_id_users"),
        "child_moves",
        "users",
        ["requested_by_id"],
        ["id"],
    )
    op.create_table(
        "child_move_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("to_area_code", sa.String(length=12), nullable=False),
        sa.Column("child_name", sa.String(length=100), nullable=False),
        sa.Column("child_birth_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "accepted",
                "declined",
                "cancelled",
                name=op.f("ck_child_move_requests_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="requested",
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Uuid(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sending_county_by_id", sa.Uuid(), nullable=True),
        sa.Column("sending_county_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receiving_county_by_id", sa.Uuid(), nullable=True),
        sa.Column("receiving_county_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receiving_village_by_id", sa.Uuid(), nullable=True),
        sa.Column("receiving_village_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("to_household_id", sa.Uuid(), nullable=True),
        sa.Column("closed_by_id", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=500), nullable=True),
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
            ["area_code"], ["areas.code"], name=op.f("fk_child_move_requests_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["to_area_code"], ["areas.code"], name=op.f("fk_child_move_requests_to_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_child_move_requests_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["to_household_id"],
            ["households.id"],
            name=op.f("fk_child_move_requests_to_household_id_households"),
        ),
        *(
            sa.ForeignKeyConstraint(
                [f"{user}_id"], ["users.id"], name=op.f(f"fk_child_move_requests_{user}_id_users")
            )
            for user in USERS
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_move_requests")),
    )
    for column in ("area_code", "to_area_code"):
        op.create_index(
            f"ix_child_move_requests_{column}_prefix",
            "child_move_requests",
            [column],
            postgresql_ops={column: "varchar_pattern_ops"},
        )
    for column in ("change_seq", "change_xid", "child_id"):
        op.create_index(op.f(f"ix_child_move_requests_{column}"), "child_move_requests", [column])
    op.execute(
        "CREATE TRIGGER child_move_requests_touch BEFORE UPDATE ON child_move_requests "
        "FOR EACH ROW EXECUTE FUNCTION shouhu_touch()"
    )
    op.execute("ALTER TABLE child_move_requests ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY in_scope ON child_move_requests USING ({EITHER_SIDE}) "
        f"WITH CHECK ({EITHER_SIDE})"
    )
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.drop_table("child_move_requests")
    op.drop_constraint(
        op.f("fk_child_moves_requested_by_id_users"), "child_moves", type_="foreignkey"
    )
    op.drop_column("child_moves", "requested_by_id")
