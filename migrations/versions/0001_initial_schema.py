"""Initial schema: areas, organizations and users, the child's file, cases, integrations, audit.

Besides the tables: the global change_seq sequence and a trigger on every synced table that
keeps updated_at, change_seq and version current on UPDATE, whoever writes the row.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:49:03.071775
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

SYNCED_TABLES = (
    "case_events",
    "cases",
    "children",
    "guardianships",
    "households",
    "ngo_contract_children",
    "ngo_contracts",
    "organizations",
    "parents",
    "users",
    "visits",
)

TOUCH_FUNCTION = """
CREATE FUNCTION shouhu_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    NEW.change_seq := nextval('change_seq');
    -- SQLAlchemy bumps version itself (optimistic lock); raw SQL updates get it here.
    IF NEW.version = OLD.version THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END
$$
"""

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE change_seq")
    op.execute(TOUCH_FUNCTION)
    op.create_table(
        "areas",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "province",
                "city",
                "county",
                "township",
                "village",
                name=op.f("ck_areas_level"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["areas.code"], name=op.f("fk_areas_parent_code_areas")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_areas")),
    )
    op.create_index(
        "ix_areas_code_prefix",
        "areas",
        ["code"],
        unique=False,
        postgresql_ops={"code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_areas_parent_code"), "areas", ["parent_code"], unique=False)
    op.create_table(
        "households",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("minimum_allowance", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("extreme_poverty", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("registered_poverty", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_households_area_code_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    op.create_index(
        "ix_households_area_code_prefix",
        "households",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_households_change_seq"), "households", ["change_seq"], unique=False)
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "village_committee",
                "township_office",
                "civil_affairs_bureau",
                "protection_centre",
                "police_station",
                "school",
                "education_bureau",
                "ngo",
                "city_civil_affairs",
                "province_civil_affairs",
                "system",
                name=op.f("ck_organizations_kind"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_organizations_area_code_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_index(
        "ix_organizations_area_code_prefix",
        "organizations",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        op.f("ix_organizations_change_seq"), "organizations", ["change_seq"], unique=False
    )
    op.create_table(
        "children",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "gender",
            sa.Enum(
                "male",
                "female",
                name=op.f("ck_children_gender"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column(
            "no_household_registration", sa.Boolean(), server_default="false", nullable=False
        ),
        sa.Column("school_id", sa.Uuid(), nullable=True),
        sa.Column("student_number", sa.String(length=32), nullable=True),
        sa.Column(
            "school_status",
            sa.Enum(
                "not_school_age",
                "kindergarten",
                "in_school",
                "dropped_out",
                "not_in_school",
                name=op.f("ck_children_school_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("disability", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("serious_illness", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("safety_risk", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("scattered_orphan", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "key_child_reasons",
            sa.ARRAY(
                sa.Enum(
                    "poor_guardianship",
                    "living_alone",
                    "dropped_out",
                    "no_household_registration",
                    "ill_or_disabled",
                    "parent_imprisoned",
                    "parent_substance_abuse",
                    "domestic_violence",
                    "begging",
                    native_enum=False,
                    length=32,
                )
            ),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "living_arrangement",
            sa.Enum(
                "with_parents",
                "with_one_parent",
                "with_grandparents",
                "with_relatives",
                "with_others",
                "boarding_school",
                "institution",
                "alone",
                name=op.f("ck_children_living_arrangement"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "archived",
                name=op.f("ck_children_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column(
            "archived_reason",
            sa.Enum(
                "turned_18",
                "moved_away",
                "parents_returned",
                "deceased",
                "duplicate",
                "other",
                name=op.f("ck_children_archived_reason"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_children_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_children_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["organizations.id"], name=op.f("fk_children_school_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
    )
    op.create_index(
        "ix_children_area_code_prefix",
        "children",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_children_change_seq"), "children", ["change_seq"], unique=False)
    op.create_index(op.f("ix_children_household_id"), "children", ["household_id"], unique=False)
    op.create_index(
        "ix_children_school_student", "children", ["school_id", "student_number"], unique=False
    )
    op.create_index(
        "uq_children_id_number_live",
        "children",
        ["id_number"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND id_number IS NOT NULL"),
    )
    op.create_table(
        "ngo_contracts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ngo_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("area_scope", sa.ARRAY(sa.String(length=12)), nullable=False),
        sa.Column(
            "service_types",
            sa.ARRAY(
                sa.Enum(
                    "visit_verification",
                    "guardianship_assessment",
                    "counselling",
                    "assistance",
                    "training",
                    native_enum=False,
                    length=32,
                )
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_ngo_contracts_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["ngo_id"], ["organizations.id"], name=op.f("fk_ngo_contracts_ngo_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ngo_contracts")),
    )
    op.create_index(
        "ix_ngo_contracts_area_code_prefix",
        "ngo_contracts",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        op.f("ix_ngo_contracts_change_seq"), "ngo_contracts", ["change_seq"], unique=False
    )
    op.create_index(op.f("ix_ngo_contracts_ngo_id"), "ngo_contracts", ["ngo_id"], unique=False)
    op.create_table(
        "parents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column(
            "relation",
            sa.Enum(
                "father",
                "mother",
                name=op.f("ck_parents_relation"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "at_home",
                "working_away",
                "deceased",
                "incapacitated",
                "imprisoned",
                "missing",
                "unknown",
                name=op.f("ck_parents_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("work_place", sa.String(length=200), nullable=True),
        sa.Column("work_province_code", sa.String(length=2), nullable=True),
        sa.Column("away_since", sa.Date(), nullable=True),
        sa.Column(
            "contact_frequency",
            sa.Enum(
                "daily",
                "weekly",
                "monthly",
                "rarely",
                "never",
                name=op.f("ck_parents_contact_frequency"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("last_contact_on", sa.Date(), nullable=True),
        sa.Column("home_at_holidays", sa.Boolean(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_parents_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_parents_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parents")),
    )
    op.create_index(
        "ix_parents_area_code_prefix",
        "parents",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_parents_change_seq"), "parents", ["change_seq"], unique=False)
    op.create_index(op.f("ix_parents_household_id"), "parents", ["household_id"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "village_director",
                "township_supervisor",
                "county_civil_affairs",
                "protection_centre",
                "police",
                "school",
                "ngo",
                "city",
                "province",
                "admin",
                name=op.f("ck_users_role"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_users_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_users_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(
        "ix_users_area_code_prefix",
        "users",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_users_change_seq"), "users", ["change_seq"], unique=False)
    op.create_index(op.f("ix_users_organization_id"), "users", ["organization_id"], unique=False)
    op.create_table(
        "absence_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.String(length=100), nullable=False),
        sa.Column("student_key", sa.String(length=32), nullable=False),
        sa.Column("student_number", sa.String(length=32), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("absent_on", sa.Date(), nullable=False),
        sa.Column("periods", sa.Integer(), nullable=False),
        sa.Column("excused", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("area_code", sa.String(length=12), nullable=True),
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
            ["area_code"], ["areas.code"], name=op.f("fk_absence_records_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_absence_records_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organizations.id"],
            name=op.f("fk_absence_records_school_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence_records")),
        sa.UniqueConstraint(
            "school_id",
            "student_key",
            "absent_on",
            name=op.f("uq_absence_records_school_id_student_key_absent_on"),
        ),
    )
    op.create_index(
        "ix_absence_records_area_code_prefix",
        "absence_records",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        op.f("ix_absence_records_batch_id"), "absence_records", ["batch_id"], unique=False
    )
    op.create_index(
        "ix_absence_records_child_absent_on",
        "absence_records",
        ["child_id", "absent_on"],
        unique=False,
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("operation_name", sa.String(length=200), nullable=True),
        sa.Column("query_text", sa.Text(), nullable=True),
        sa.Column(
            "record_ids", sa.ARRAY(sa.String(length=100)), server_default="{}", nullable=False
        ),
        sa.Column("area_code", sa.String(length=12), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_audit_events_actor_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_actor_user_id"), "audit_events", ["actor_user_id"], unique=False
    )
    op.create_index(
        op.f("ix_audit_events_occurred_at"), "audit_events", ["occurred_at"], unique=False
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "living_alone",
                "missing",
                "guardian_incapable",
                "guardian_neglect",
                "suspected_domestic_violence",
                "suspected_abuse_or_injury",
                "dropout",
                "other",
                name=op.f("ck_cases_category"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "school",
                "kindergarten",
                "clinic",
                "village",
                "ngo",
                "police",
                "public",
                "hotline",
                name=op.f("ck_cases_source"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reporter_id", sa.Uuid(), nullable=True),
        sa.Column("reporter_organization_id", sa.Uuid(), nullable=True),
        sa.Column("reporter_name", sa.String(length=100), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reported_to_police", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "reported",
                "emergency_response",
                "assessment",
                "assistance",
                "intervention",
                "follow_up",
                "closed",
                name=op.f("ck_cases_stage"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("referred_organization_id", sa.Uuid(), nullable=True),
        sa.Column(
            "dropout_follow_up",
            sa.Enum(
                "persuasion_under_way",
                "returned",
                "not_returned",
                name=op.f("ck_cases_dropout_follow_up"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_cases_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_cases_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_cases_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["referred_organization_id"],
            ["organizations.id"],
            name=op.f("fk_cases_referred_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_cases_reporter_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_organization_id"],
            ["organizations.id"],
            name=op.f("fk_cases_reporter_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(
        "ix_cases_area_code_prefix",
        "cases",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_cases_assignee_id"), "cases", ["assignee_id"], unique=False)
    op.create_index(op.f("ix_cases_change_seq"), "cases", ["change_seq"], unique=False)
    op.create_index(op.f("ix_cases_child_id"), "cases", ["child_id"], unique=False)
    op.create_index("ix_cases_stage_due_at", "cases", ["stage", "due_at"], unique=False)
    op.create_table(
        "guardianships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("guardian_name", sa.String(length=100), nullable=False),
        sa.Column(
            "relation",
            sa.Enum(
                "grandparent",
                "sibling",
                "uncle_aunt",
                "other_relative",
                "friend",
                "designated",
                name=op.f("ck_guardianships_relation"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column(
            "capacity",
            sa.Enum(
                "capable",
                "incapable",
                "unassessed",
                name=op.f("ck_guardianships_capacity"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="unassessed",
            nullable=False,
        ),
        sa.Column("capacity_assessed_by_id", sa.Uuid(), nullable=True),
        sa.Column("capacity_assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agreement_signed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("confirmed_by_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "ended",
                name=op.f("ck_guardianships_status"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_guardianships_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["capacity_assessed_by_id"],
            ["users.id"],
            name=op.f("fk_guardianships_capacity_assessed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_guardianships_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_guardianships_confirmed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardianships")),
    )
    op.create_index(
        "ix_guardianships_area_code_prefix",
        "guardianships",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        op.f("ix_guardianships_change_seq"), "guardianships", ["change_seq"], unique=False
    )
    op.create_index(op.f("ix_guardianships_child_id"), "guardianships", ["child_id"], unique=False)
    op.create_index(
        "uq_guardianships_active_child",
        "guardianships",
        ["child_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active' AND deleted_at IS NULL"),
    )
    op.create_table(
        "ngo_contract_children",
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unassigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_ngo_contract_children_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_ngo_contract_children_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["ngo_contracts.id"],
            name=op.f("fk_ngo_contract_children_contract_id_ngo_contracts"),
        ),
        sa.PrimaryKeyConstraint("contract_id", "child_id", name=op.f("pk_ngo_contract_children")),
    )
    op.create_index(
        "ix_ngo_contract_children_area_code_prefix",
        "ngo_contract_children",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        op.f("ix_ngo_contract_children_change_seq"),
        "ngo_contract_children",
        ["change_seq"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ngo_contract_children_child_id"),
        "ngo_contract_children",
        ["child_id"],
        unique=False,
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("visitor_id", sa.Uuid(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "routine",
                "key_child_follow_up",
                "quarterly_check",
                "risk_assessment",
                "ngo_service",
                "case_follow_up",
                name=op.f("ck_visits_kind"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "living_conditions",
            sa.Enum(
                "good",
                "fair",
                "poor",
                "not_assessed",
                name=op.f("ck_visits_living_conditions"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "guardianship",
            sa.Enum(
                "good",
                "fair",
                "poor",
                "not_assessed",
                name=op.f("ck_visits_guardianship"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "schooling",
            sa.Enum(
                "good",
                "fair",
                "poor",
                "not_assessed",
                name=op.f("ck_visits_schooling"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "health",
            sa.Enum(
                "good",
                "fair",
                "poor",
                "not_assessed",
                name=op.f("ck_visits_health"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "mental_state",
            sa.Enum(
                "good",
                "fair",
                "poor",
                "not_assessed",
                name=op.f("ck_visits_mental_state"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "risks_found", sa.ARRAY(sa.String(length=200)), server_default="{}", nullable=False
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("next_visit_due", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["area_code"], ["areas.code"], name=op.f("fk_visits_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_visits_child_id_children")
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"], ["users.id"], name=op.f("fk_visits_visitor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index(
        "ix_visits_area_code_prefix",
        "visits",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(op.f("ix_visits_change_seq"), "visits", ["change_seq"], unique=False)
    op.create_index(
        "ix_visits_child_visited_at", "visits", ["child_id", "visited_at"], unique=False
    )
    op.create_index(op.f("ix_visits_visitor_id"), "visits", ["visitor_id"], unique=False)
    op.create_table(
        "case_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reported",
                "stage_change",
                "note",
                "referral",
                "measure",
                "absence",
                name=op.f("ck_case_events_kind"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "from_stage",
            sa.Enum(
                "reported",
                "emergency_response",
                "assessment",
                "assistance",
                "intervention",
                "follow_up",
                "closed",
                name=op.f("ck_case_events_from_stage"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_stage",
            sa.Enum(
                "reported",
                "emergency_response",
                "assessment",
                "assistance",
                "intervention",
                "follow_up",
                "closed",
                name=op.f("ck_case_events_to_stage"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "measure",
            sa.Enum(
                "warning_letter",
                "protection_order",
                "placement",
                "revocation_petition",
                name=op.f("ck_case_events_measure"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("referred_organization_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "change_seq",
            sa.BigInteger(),
            server_default=sa.text("nextval('change_seq')"),
            nullable=False,
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
            ["actor_id"], ["users.id"], name=op.f("fk_case_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_case_events_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["referred_organization_id"],
            ["organizations.id"],
            name=op.f("fk_case_events_referred_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    op.create_index(
        "ix_case_events_area_code_prefix",
        "case_events",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.create_index(
        "ix_case_events_case_occurred_at", "case_events", ["case_id", "occurred_at"], unique=False
    )
    op.create_index(op.f("ix_case_events_change_seq"), "case_events", ["change_seq"], unique=False)

    for table in SYNCED_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_touch BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION shouhu_touch()"
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_case_events_change_seq"), table_name="case_events")
    op.drop_index("ix_case_events_case_occurred_at", table_name="case_events")
    op.drop_index(
        "ix_case_events_area_code_prefix",
        table_name="case_events",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("case_events")
    op.drop_index(op.f("ix_visits_visitor_id"), table_name="visits")
    op.drop_index("ix_visits_child_visited_at", table_name="visits")
    op.drop_index(op.f("ix_visits_change_seq"), table_name="visits")
    op.drop_index(
        "ix_visits_area_code_prefix",
        table_name="visits",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("visits")
    op.drop_index(op.f("ix_ngo_contract_children_child_id"), table_name="ngo_contract_children")
    op.drop_index(op.f("ix_ngo_contract_children_change_seq"), table_name="ngo_contract_children")
    op.drop_index(
        "ix_ngo_contract_children_area_code_prefix",
        table_name="ngo_contract_children",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("ngo_contract_children")
    op.drop_index(
        "uq_guardianships_active_child",
        table_name="guardianships",
        postgresql_where=sa.text("status = 'active' AND deleted_at IS NULL"),
    )
    op.drop_index(op.f("ix_guardianships_child_id"), table_name="guardianships")
    op.drop_index(op.f("ix_guardianships_change_seq"), table_name="guardianships")
    op.drop_index(
        "ix_guardianships_area_code_prefix",
        table_name="guardianships",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("guardianships")
    op.drop_index("ix_cases_stage_due_at", table_name="cases")
    op.drop_index(op.f("ix_cases_child_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_change_seq"), table_name="cases")
    op.drop_index(op.f("ix_cases_assignee_id"), table_name="cases")
    op.drop_index(
        "ix_cases_area_code_prefix",
        table_name="cases",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("cases")
    op.drop_index(op.f("ix_audit_events_occurred_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_actor_user_id"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_absence_records_child_absent_on", table_name="absence_records")
    op.drop_index(op.f("ix_absence_records_batch_id"), table_name="absence_records")
    op.drop_index(
        "ix_absence_records_area_code_prefix",
        table_name="absence_records",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("absence_records")
    op.drop_index(op.f("ix_users_organization_id"), table_name="users")
    op.drop_index(op.f("ix_users_change_seq"), table_name="users")
    op.drop_index(
        "ix_users_area_code_prefix",
        table_name="users",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("users")
    op.drop_index(op.f("ix_parents_household_id"), table_name="parents")
    op.drop_index(op.f("ix_parents_change_seq"), table_name="parents")
    op.drop_index(
        "ix_parents_area_code_prefix",
        table_name="parents",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("parents")
    op.drop_index(op.f("ix_ngo_contracts_ngo_id"), table_name="ngo_contracts")
    op.drop_index(op.f("ix_ngo_contracts_change_seq"), table_name="ngo_contracts")
    op.drop_index(
        "ix_ngo_contracts_area_code_prefix",
        table_name="ngo_contracts",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("ngo_contracts")
    op.drop_index(
        "uq_children_id_number_live",
        table_name="children",
        postgresql_where=sa.text("deleted_at IS NULL AND id_number IS NOT NULL"),
    )
    op.drop_index("ix_children_school_student", table_name="children")
    op.drop_index(op.f("ix_children_household_id"), table_name="children")
    op.drop_index(op.f("ix_children_change_seq"), table_name="children")
    op.drop_index(
        "ix_children_area_code_prefix",
        table_name="children",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("children")
    op.drop_index(op.f("ix_organizations_change_seq"), table_name="organizations")
    op.drop_index(
        "ix_organizations_area_code_prefix",
        table_name="organizations",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("organizations")
    op.drop_index(op.f("ix_households_change_seq"), table_name="households")
    op.drop_index(
        "ix_households_area_code_prefix",
        table_name="households",
        postgresql_ops={"area_code": "varchar_pattern_ops"},
    )
    op.drop_table("households")
    op.drop_index(op.f("ix_areas_parent_code"), table_name="areas")
    op.drop_index(
        "ix_areas_code_prefix", table_name="areas", postgresql_ops={"code": "varchar_pattern_ops"}
    )
    op.drop_table("areas")
    op.execute("DROP FUNCTION shouhu_touch()")
    op.execute("DROP SEQUENCE change_seq")
