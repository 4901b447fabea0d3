"""The city reads and completes tasks: the STAFF_TRAINING tasks of its township supervisors.

Seed 002 has the city's civil affairs train the township supervisors (the county trains the
village directors), so the daily job gives a supervisor owed a training to the city
(app/domain/task_deadlines.py TRAINED_BY). The city already counted tasks; it now lists,
completes and dismisses those owed by it.

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-29 18:00:00
"""

from collections.abc import Sequence

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in authz/policy.csv on the day of this revision.
RULES = (
    ("city", "task", "read"),
    ("city", "task", "complete"),
)


def upgrade() -> None:
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
