"""Notices of what invalidates the service's per-process caches, sent by the database itself.

Each process of the service keeps the Casbin policy and recently verified accounts in memory
(authz/policy_store.py, app/auth/identity_cache.py). Triggers on `casbin_rule` and `users`
send a notice on the `shouhu_invalidate` channel with every change (delivered when its
transaction commits, never for a rolled-back one), and every process listening drops what
the notice names (app/web/invalidation.py): revoking a grant or deactivating an account
takes effect everywhere at once, whichever command, service or migration made the change.

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-29 15:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION shouhu_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('shouhu_invalidate', 'policy');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER casbin_rule_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
        ON casbin_rule FOR EACH STATEMENT EXECUTE FUNCTION shouhu_policy_changed()
        """
    )
    # An account's row changed in any way that decides what its tokens prove (the trigger's
    # WHEN keeps a login's last_login_at from sending notices).
    op.execute(
        """
        CREATE FUNCTION shouhu_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('shouhu_invalidate', 'user:' || OLD.id::text);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER users_changed AFTER UPDATE OF role, area_code, organization_id,
        is_active, deleted_at, username ON users FOR EACH ROW
        WHEN (OLD.role IS DISTINCT FROM NEW.role
              OR OLD.area_code IS DISTINCT FROM NEW.area_code
              OR OLD.organization_id IS DISTINCT FROM NEW.organization_id
              OR OLD.is_active IS DISTINCT FROM NEW.is_active
              OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
              OR OLD.username IS DISTINCT FROM NEW.username)
        EXECUTE FUNCTION shouhu_user_changed()
        """
    )
    op.execute(
        """
        CREATE TRIGGER users_deleted AFTER DELETE ON users FOR EACH ROW
        EXECUTE FUNCTION shouhu_user_changed()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER users_deleted ON users")
    op.execute("DROP TRIGGER users_changed ON users")
    op.execute("DROP FUNCTION shouhu_user_changed()")
    op.execute("DROP TRIGGER casbin_rule_changed ON casbin_rule")
    op.execute("DROP FUNCTION shouhu_policy_changed()")
