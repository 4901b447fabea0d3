"""Referrals as their own records, the organizations the seeds name, and their staff's role.

`case_referrals`: a case may be referred to several organizations at once, each referral with
its status (sent, accepted, declined, completed), the sender's note and the receiver's
feedback. Until now a case had one `referred_organization_id`, which each referral overwrote;
every case that has one gets a referral row here (SENT, dated by its latest referral event),
and the column stays as the latest receiver. Row-level security bounds the rows by area, as
for the case they belong to; which organization sees them is the service's predicate.

New organization kinds (procuratorate, court, legal aid, hospital, the disabled persons' and
women's federations, youth league, rescue station, child welfare institution), the role of
their staff (`partner_agency`) and the case events of a receiver's answer. The policy rules
for referrals are added to a rule table already filled (an empty one gets the default file).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.policy_rules import add_policy_rules, remove_policy_rules

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_SCOPE = "area_code LIKE ANY ((SELECT shouhu_scope())::text[])"
CURRENT_XID = "(pg_current_xact_id()::text)::bigint"
ORGANIZATION_KINDS = (
    "village_committee", "township_office", "civil_affairs_bureau", "protection_centre",
    "police_station", "school", "education_bureau", "ngo", "city_civil_affairs",
    "province_civil_affairs", "system",
)  # fmt: skip
NEW_ORGANIZATION_KINDS = (
    "procuratorate", "court", "legal_aid", "hospital", "disabled_persons_federation",
    "womens_federation", "youth_league", "rescue_station", "child_welfare_institution",
)  # fmt: skip
ROLES = (
    "village_director", "township_supervisor", "county_civil_affairs", "protection_centre",
    "police", "school", "ngo", "city", "province", "admin",
)  # fmt: skip
NEW_ROLES = ("partner_agency",)
# Those before this migration: 0016 added "handover", 0017 "written_report".
EVENT_KINDS = (
    "reported", "stage_change", "note", "referral", "measure", "absence", "handover",
    "written_report",
)  # fmt: skip
NEW_EVENT_KINDS = ("referral_accepted", "referral_declined", "referral_completed")
# As in authz/policy.csv on the day of this revision.
RULES = (
    ("police", "referred_case", "read"),
    ("partner_agency", "referred_case", "read"),
    ("township_supervisor", "referral", "receive"),
    ("county_civil_affairs", "referral", "receive"),
    ("protection_centre", "referral", "receive"),
    ("police", "referral", "receive"),
    ("school", "referral", "receive"),
    ("ngo", "referral", "receive"),
    ("partner_agency", "referral", "receive"),
)


def _check(table: str, column: str, values: Sequence[str], *, existing: bool = True) -> None:
    """Replace a column's CHECK; `existing=False` leaves the rows already there unchecked
    (NOT VALID): a downgrade keeps the organizations and accounts of the kinds and role it
    takes away, and refuses only new ones."""
    name = f"ck_{table}_{column}"
    listed = ", ".join(f"'{value}'" for value in values)
    op.drop_constraint(name, table, type_="check")
    op.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({listed}))"
        + ("" if existing else " NOT VALID")
    )


def upgrade() -> None:
    _check("organizations", "kind", ORGANIZATION_KINDS + NEW_ORGANIZATION_KINDS)
    _check("users", "role", ROLES + NEW_ROLES)
    _check("api_keys", "role", ROLES + NEW_ROLES)
    _check("case_events", "kind", EVENT_KINDS + NEW_EVENT_KINDS)
    op.create_table(
        "case_referrals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sent",
                "accepted",
                "declined",
                "completed",
                name=op.f("ck_case_referrals_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("referred_by_id", sa.Uuid(), nullable=True),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
        ),
        sa.Column(
            "change_xid", sa.BigInteger(), server_default=sa.text(CURRENT_XID), nullable=False
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
            ["area_code"], ["areas.code"], name=op.f("fk_case_referrals_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_referrals_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_case_referrals_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["referred_by_id"], ["users.id"], name=op.f("fk_case_referrals_referred_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_referrals")),
    )
    op.create_index(
        "ix_case_referrals_area_code_prefix",
        "case_referrals",
        ["area_code"],
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_case_referrals_case_id"), "case_referrals", ["case_id"])
    op.create_index(op.f("ix_case_referrals_change_seq"), "case_referrals", ["change_seq"])
    op.create_index(op.f("ix_case_referrals_change_xid"), "case_referrals", ["change_xid"])
    op.create_index(
        "ix_case_referrals_organization_id_status",
        "case_referrals",
        ["organization_id", "status"],
    )
    op.execute(
        "CREATE TRIGGER case_referrals_touch BEFORE UPDATE ON case_referrals "
        "FOR EACH ROW EXECUTE FUNCTION shouhu_touch('area_code')"
    )
    op.execute("ALTER TABLE case_referrals ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY in_scope ON case_referrals USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})"
    )
    op.execute(
        """
        INSERT INTO case_referrals (id, case_id, area_code, organization_id, status,
            referred_by_id, referred_at)
        SELECT gen_random_uuid(), c.id, c.area_code, c.referred_organization_id, 'sent',
            e.actor_id, coalesce(e.occurred_at, c.stage_entered_at)
        FROM cases c
        LEFT JOIN LATERAL (
            SELECT actor_id, occurred_at FROM case_events
            WHERE case_id = c.id AND kind = 'referral'
                AND referred_organization_id = c.referred_organization_id
            ORDER BY occurred_at DESC LIMIT 1
        ) e ON true
        WHERE c.referred_organization_id IS NOT NULL
        """
    )
    add_policy_rules(RULES)


def downgrade() -> None:
    remove_policy_rules(RULES)
    op.drop_table("case_referrals")
    op.execute(f"DELETE FROM case_events WHERE kind IN {NEW_EVENT_KINDS}")
    _check("case_events", "kind", EVENT_KINDS)
    _check("api_keys", "role", ROLES, existing=False)
    _check("users", "role", ROLES, existing=False)
    _check("organizations", "kind", ORGANIZATION_KINDS, existing=False)
