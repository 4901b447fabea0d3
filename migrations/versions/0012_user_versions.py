"""Versions that count edits: `version` moves only when a column people edit changes.

Until now the touch trigger bumped `version` on every UPDATE, so a child's version moved when
its derived facts were refreshed (a visit, a guardianship, the daily derive) or when a move of
the child rewrote the village on its household and history; an offline edit of the child made
after recording a visit then conflicted with itself. Now the trigger compares the row before
and after, leaving out its bookkeeping columns and the columns the table's trigger is given
as arguments (the models' `not_edits`), and moves `version` only when something else
changed. `updated_at`, `change_seq` and `change_xid` still move on every update, so derived
facts reach devices through syncPull. SQLAlchemy no longer sets the version itself
(`version_id_generator=False`): it reads back what the trigger set, and its
`WHERE version = :expected` still refuses a stale write.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in the models on the day of this revision (Synced.not_edits).
FOLLOWS_THE_CHILD = ("area_code",)
NOT_EDITS = {
    "children": (
        "categories", "key_reasons", "is_key_child", "has_confirmed_guardian", "last_visit_at",
        "next_visit_due", "derived_on",
    ),
    "households": FOLLOWS_THE_CHILD,
    "parents": FOLLOWS_THE_CHILD,
    "guardianships": FOLLOWS_THE_CHILD,
    "visits": FOLLOWS_THE_CHILD,
    "cases": FOLLOWS_THE_CHILD,
    "case_events": FOLLOWS_THE_CHILD,
    "ngo_contract_children": FOLLOWS_THE_CHILD,
}  # fmt: skip
CURRENT_XID = "(pg_current_xact_id()::text)::bigint"
TOUCH = f"""
CREATE OR REPLACE FUNCTION shouhu_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- No edit: the trigger's own columns, and those it is given (derived facts, the village
    -- a row follows its child to).
    not_edits text[] := ARRAY['version', 'updated_at', 'change_seq', 'change_xid'] || TG_ARGV;
BEGIN
    NEW.updated_at := now();
    NEW.change_seq := nextval('change_seq');
    NEW.change_xid := {CURRENT_XID};
    -- version counts edits, whoever writes the row (SQLAlchemy reads it back).
    IF to_jsonb(NEW) - not_edits = to_jsonb(OLD) - not_edits THEN
        NEW.version := OLD.version;
    ELSE
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END
$$
"""
# 0006's function: version moved on every update the ORM had not bumped itself.
PREVIOUS_TOUCH = f"""
CREATE OR REPLACE FUNCTION shouhu_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    NEW.change_seq := nextval('change_seq');
    NEW.change_xid := {CURRENT_XID};
    -- SQLAlchemy bumps version itself (optimistic lock); raw SQL updates get it here.
    IF NEW.version = OLD.version THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END
$$
"""


def _touch_trigger(table: str, arguments: Sequence[str]) -> None:
    listed = ", ".join(f"'{column}'" for column in arguments)
    op.execute(f"DROP TRIGGER {table}_touch ON {table}")
    op.execute(
        f"CREATE TRIGGER {table}_touch BEFORE UPDATE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION shouhu_touch({listed})"
    )


def upgrade() -> None:
    op.execute(TOUCH)
    for table, columns in NOT_EDITS.items():
        _touch_trigger(table, columns)


def downgrade() -> None:
    for table in NOT_EDITS:
        _touch_trigger(table, ())
    op.execute(PREVIOUS_TOUCH)
