"""NGO purchased services: visits know the organization they were made for, contracts are
readable where they serve.

- `visits.organization_id`: the organization the visitor acted for. An NGO's API key records
  visits with no person behind them, so `visitor_id` becomes nullable and a CHECK keeps one
  of the two; existing visits take their visitor's organization.
- `ngo_contracts`: a contract ends on or after the day it starts.
- Row-level security on `ngo_contracts` also admits a contract whose area scope overlaps the
  caller's areas (township supervisors assign their children to it); writes stay with the
  purchasing county.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE = "(SELECT shouhu_scope())::text[]"
IN_SCOPE = f"area_code LIKE ANY ({SCOPE})"
# An entry of the scope inside a pattern, or a pattern inside an entry of the scope.
SCOPE_OVERLAPS = (
    f"EXISTS (SELECT FROM unnest(area_scope) AS entry, unnest({SCOPE}) AS pattern "
    "WHERE entry LIKE pattern OR pattern LIKE entry || '%')"
)


def upgrade() -> None:
    op.add_column("visits", sa.Column("organization_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_visits_organization_id_organizations"),
        "visits",
        "organizations",
        ["organization_id"],
        ["id"],
    )
    op.create_index(op.f("ix_visits_organization_id"), "visits", ["organization_id"])
    op.execute(
        "UPDATE visits v SET organization_id = u.organization_id FROM users u "
        "WHERE u.id = v.visitor_id AND u.organization_id IS NOT NULL"
    )
    op.alter_column("visits", "visitor_id", existing_type=sa.Uuid(), nullable=True)
    op.create_check_constraint(
        "ck_visits_visitor_or_organization",
        "visits",
        "visitor_id IS NOT NULL OR organization_id IS NOT NULL",
    )
    op.create_check_constraint("ck_ngo_contracts_dates", "ngo_contracts", "ends_on >= starts_on")
    op.execute("DROP POLICY in_scope ON ngo_contracts")
    op.execute(
        f"CREATE POLICY in_scope ON ngo_contracts USING ({IN_SCOPE} OR {SCOPE_OVERLAPS}) "
        f"WITH CHECK ({IN_SCOPE})"
    )


def downgrade() -> None:
    op.execute("DROP POLICY in_scope ON ngo_contracts")
    op.execute(
        f"CREATE POLICY in_scope ON ngo_contracts USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})"
    )
    op.drop_constraint("ck_ngo_contracts_dates", "ngo_contracts", type_="check")
    op.drop_constraint("ck_visits_visitor_or_organization", "visits", type_="check")
    # Visits recorded by a key have no person to fall back on: they cannot stay.
    op.execute("DELETE FROM visits WHERE visitor_id IS NULL")
    op.alter_column("visits", "visitor_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_index(op.f("ix_visits_organization_id"), table_name="visits")
    op.drop_constraint(
        op.f("fk_visits_organization_id_organizations"), "visits", type_="foreignkey"
    )
    op.drop_column("visits", "organization_id")
