"""Intake for any report: provisional child files, case numbers, merging a provisional file.

A report about a child not on file opens a provisional file (child status `provisional`)
that statistics do not count (they count `active` files only); the village completes it or
merges it into the child's file (case event `merged`). Every case reported from now on
gets a number (`<county>-<year>-<sequence>`) that its reporter can ask about; the sequence
is counted per county and year in `case_number_counters` (no area, no row-level security:
the reporter may not see the county's other cases, yet numbers them). A member of the
public's phone is kept beside their name. The policy rules for intake and merging are added
to a rule table already filled (an empty one gets the default file).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHILD_STATUSES = ("active", "archived")
EVENT_KINDS = (
    "reported", "stage_change", "note", "referral", "measure", "absence", "handover",
    "written_report", "referral_accepted", "referral_declined", "referral_completed",
)  # fmt: skip
# As in authz/policy.csv on the day of this revision.
RULES = (
    ("township_supervisor", "case", "intake"),
    ("county_civil_affairs", "case", "intake"),
    ("protection_centre", "case", "intake"),
    ("police", "case", "intake"),
    ("village_director", "child_file", "merge"),
    ("township_supervisor", "child_file", "merge"),
)


def _check(table: str, column: str, values: Sequence[str]) -> None:
    name = f"ck_{table}_{column}"
    listed = ", ".join(f"'{value}'" for value in values)
    op.drop_constraint(name, table, type_="check")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({listed}))")


def upgrade() -> None:
    _check("children", "status", (*CHILD_STATUSES, "provisional"))
    _check("case_events", "kind", (*EVENT_KINDS, "merged"))
    op.add_column("cases", sa.Column("case_number", sa.String(length=32), nullable=True))
    op.add_column("cases", sa.Column("reporter_phone", sa.String(length=32), nullable=True))
    op.create_unique_constraint(op.f("uq_cases_case_number"), "cases", ["case_number"])
    op.create_table(
        "case_number_counters",
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("county_code", "year", name=op.f("pk_case_number_counters")),
    )
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.drop_table("case_number_counters")
    op.drop_constraint(op.f("uq_cases_case_number"), "cases", type_="unique")
    op.drop_column("cases", "reporter_phone")
    op.drop_column("cases", "case_number")
    op.execute("UPDATE case_events SET kind = 'note' WHERE kind = 'merged'")
    _check("case_events", "kind", EVENT_KINDS)
    # A provisional file left behind is kept, as a file to check.
    op.execute("UPDATE children SET status = 'active' WHERE status = 'provisional'")
    _check("children", "status", CHILD_STATUSES)
