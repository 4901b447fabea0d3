"""A notice when a login ends: its refresh tokens revoked (logout, a reused token), so that
every process drops the login's verified access tokens at once (app/web/invalidation.py);
the access tokens themselves are refused from then on (app/auth/identity.py).

A rotation revokes one token and issues its successor: the notice then only makes each
process check the login again, and find it alive.

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-29 15:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION shouhu_login_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('shouhu_invalidate', 'family:' || NEW.family_id::text);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER refresh_tokens_revoked AFTER UPDATE OF revoked_at ON refresh_tokens
        FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
        EXECUTE FUNCTION shouhu_login_revoked()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER refresh_tokens_revoked ON refresh_tokens")
    op.execute("DROP FUNCTION shouhu_login_revoked()")
