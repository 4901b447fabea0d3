"""Alerts: a child recorded missing, the alerts the task rules raised, and the village's tasks.

`children.missing_since` records a missing child (seed 004: reported to the police at once).
`children.raised_alerts` keeps which of the task rules' alerts (app/domain/tasks.py `Alert`)
were acted on and have lasted since, so a closed report is not made again while the same
situation goes on. It is bookkeeping, not an edit of the file: the touch trigger leaves the
version as it is. `task count` lets township supervisors and above count their areas' open
tasks by kind. Children already reported (a case of the alert's category exists while the
fact still holds) start with the alert raised.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in the models on the day of this revision (Child.not_edits).
DERIVED = (
    "categories", "key_reasons", "is_key_child", "has_confirmed_guardian", "last_visit_at",
    "next_visit_due", "derived_on",
)  # fmt: skip
# TaskKind before this revision.
KINDS = ("respond_to_report", "find_guardian")
NEW_KINDS = ("contact_parents", "confirm_guardian")
# As in authz/policy.csv on the day of this revision: supervisors and above count the open
# tasks of their areas by kind.
RULES = (
    ("township_supervisor", "task", "count"),
    ("county_civil_affairs", "task", "count"),
    ("city", "task", "count"),
    ("province", "task", "count"),
)


def _touch_trigger(arguments: Sequence[str]) -> None:
    listed = ", ".join(f"'{column}'" for column in arguments)
    op.execute("DROP TRIGGER children_touch ON children")
    op.execute(
        "CREATE TRIGGER children_touch BEFORE UPDATE ON children "
        f"FOR EACH ROW EXECUTE FUNCTION shouhu_touch({listed})"
    )


def _kinds(values: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_tasks_kind"), "tasks", type_="check")
    listed = ", ".join(f"'{value}'" for value in values)
    op.create_check_constraint(op.f("ck_tasks_kind"), "tasks", f"kind IN ({listed})")


def upgrade() -> None:
    op.add_column("children", sa.Column("missing_since", sa.Date(), nullable=True))
    op.add_column(
        "children",
        sa.Column(
            "raised_alerts",
            sa.ARRAY(sa.String(32)),
            nullable=False,
            server_default=sa.text("'{}'::varchar[]"),
        ),
    )
    _touch_trigger((*DERIVED, "raised_alerts"))
    _kinds((*KINDS, *NEW_KINDS))
    add_policy_rules(RULES)
    # Bookkeeping no device needs: the rows are not sent again (no touch).
    op.execute("ALTER TABLE children DISABLE TRIGGER children_touch")
    op.execute(
        "UPDATE children c SET raised_alerts = ARRAY['living_alone']::varchar[] "
        "WHERE c.living_arrangement = 'alone' AND EXISTS (SELECT 1 FROM cases k "
        "WHERE k.child_id = c.id AND k.category = 'living_alone' AND k.deleted_at IS NULL)"
    )
    op.execute(
        "UPDATE children c SET raised_alerts = raised_alerts || 'guardian_incapable'::varchar "
        "WHERE EXISTS (SELECT 1 FROM guardianships g WHERE g.child_id = c.id "
        "AND g.status = 'active' AND g.capacity = 'incapable' AND g.deleted_at IS NULL) "
        "AND EXISTS (SELECT 1 FROM cases k WHERE k.child_id = c.id "
        "AND k.category = 'guardian_incapable' AND k.deleted_at IS NULL)"
    )
    op.execute("ALTER TABLE children ENABLE TRIGGER children_touch")


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.execute(f"DELETE FROM tasks WHERE kind IN {NEW_KINDS!r}")
    _kinds(KINDS)
    _touch_trigger(DERIVED)
    op.drop_column("children", "raised_alerts")
    op.drop_column("children", "missing_since")
