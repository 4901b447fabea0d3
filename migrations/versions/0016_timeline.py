"""A case's history tells who did what: the acting organization, hand-overs, and the facts of
each measure (where and until when a child is placed, which court issued a protection order,
a revocation petition's outcome, since when the parents refuse their duty).

Two measures of seed 004's emergency response join: 训诫 (admonition) and 责令父母返回 (an
order to the parents to return). The default policy gains who may read a case's reporter
and who may hand a case over; a rule table already filled gets the same rules here (an empty
one is filled from authz/policy.csv at start-up).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("reported", "stage_change", "note", "referral", "measure", "absence")
MEASURES = ("warning_letter", "protection_order", "placement", "revocation_petition")
NEW_KIND = ("handover",)
NEW_MEASURES = ("admonition", "order_to_return")
OUTCOMES = ("pending", "granted", "refused")
RULES = (
    ("village_director", "reporter", "read"),
    ("township_supervisor", "reporter", "read"),
    ("county_civil_affairs", "reporter", "read"),
    ("county_civil_affairs", "public_reporter", "read"),
    ("protection_centre", "reporter", "read"),
    ("police", "reporter", "read"),
    ("police", "public_reporter", "read"),
    ("township_supervisor", "case", "assign"),
    ("county_civil_affairs", "case", "assign"),
    ("protection_centre", "case", "assign"),
)
DATES = ("starts_on", "ends_on", "issued_on", "expires_on", "filed_on", "refusing_since")
USER_COLUMNS = ("from_assignee_id", "to_assignee_id")
ORGANIZATION_COLUMNS = ("actor_organization_id", "place_organization_id")


def _check(column: str, values: Sequence[str]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    op.drop_constraint(f"ck_case_events_{column}", "case_events", type_="check")
    op.create_check_constraint(f"ck_case_events_{column}", "case_events", f"{column} IN ({listed})")


def upgrade() -> None:
    _check("kind", KINDS + NEW_KIND)
    _check("measure", MEASURES + NEW_MEASURES)
    for column in USER_COLUMNS:
        op.add_column("case_events", sa.Column(column, sa.Uuid(), nullable=True))
        op.create_foreign_key(
            f"fk_case_events_{column}_users", "case_events", "users", [column], ["id"]
        )
    for column in ORGANIZATION_COLUMNS:
        op.add_column("case_events", sa.Column(column, sa.Uuid(), nullable=True))
        op.create_foreign_key(
            f"fk_case_events_{column}_organizations",
            "case_events", "organizations", [column], ["id"],
        )  # fmt: skip
    op.add_column("case_events", sa.Column("place", sa.String(length=200), nullable=True))
    op.add_column("case_events", sa.Column("court", sa.String(length=200), nullable=True))
    for column in DATES:
        op.add_column("case_events", sa.Column(column, sa.Date(), nullable=True))
    op.add_column(
        "case_events",
        sa.Column(
            "outcome",
            sa.Enum(
                *OUTCOMES,
                name=op.f("ck_case_events_outcome"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
    )
    # An event of a person names the person's organization too, as an API key's names its own.
    op.execute(
        "UPDATE case_events e SET actor_organization_id = u.organization_id FROM users u "
        "WHERE u.id = e.actor_id"
    )
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.execute(
        "DELETE FROM case_events WHERE kind IN ('handover') "
        "OR measure IN ('admonition', 'order_to_return')"
    )
    op.drop_column("case_events", "outcome")
    for column in (*DATES, "court", "place"):
        op.drop_column("case_events", column)
    for column in ORGANIZATION_COLUMNS:
        op.drop_constraint(
            f"fk_case_events_{column}_organizations", "case_events", type_="foreignkey"
        )
        op.drop_column("case_events", column)
    for column in USER_COLUMNS:
        op.drop_constraint(f"fk_case_events_{column}_users", "case_events", type_="foreignkey")
        op.drop_column("case_events", column)
    _check("measure", MEASURES)
    _check("kind", KINDS)
