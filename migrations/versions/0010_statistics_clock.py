"""Statistics count overdue cases against the service's clock, not the database's.

`shouhu_refresh_statistics(villages, today)` compared case deadlines with the database's
`now()`, while every other rule takes the time from the service's one clock (app/clock.py):
a test (or a demo) that pins the clock saw cases overdue by the machine's date. The function
now takes the moment too: `shouhu_refresh_statistics(villages, today, now)`; its body is
migration 0009's with that one change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 22:30:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shouhu_app"
OLD = "shouhu_refresh_statistics(text[], date)"
NEW = "shouhu_refresh_statistics(text[], date, timestamptz)"


def _revision_0009() -> ModuleType:
    """Migration 0009, whose function text this one amends (revisions are not a package)."""
    path = Path(__file__).with_name("0009_statistics.py")
    spec = importlib.util.spec_from_file_location("shouhu_migration_0009", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _function_with_clock(refresh: str) -> str:
    signature = "(p_villages text[], p_today date)"
    assert signature in refresh and "due_at < now()" in refresh
    return refresh.replace(
        signature, "(p_villages text[], p_today date, p_now timestamptz)"
    ).replace("due_at < now()", "due_at < p_now")


def _grant(function: str) -> None:
    op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {APP_ROLE}")


def upgrade() -> None:
    op.execute(f"DROP FUNCTION {OLD}")
    op.execute(_function_with_clock(_revision_0009().REFRESH))
    _grant(NEW)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {NEW}")
    op.execute(_revision_0009().REFRESH)
    _grant(OLD)
