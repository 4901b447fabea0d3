"""ID numbers sealed at rest: `id_number` becomes `id_number_enc` and `id_number_hash`.

Children's, parents', guardians' and absence records' ID numbers are sealed with AES-256-GCM
under the newest key of SHOUHU_ID_NUMBER_KEYS, bound to their table and column, and
fingerprinted with HMAC-SHA256 under SHOUHU_ID_NUMBER_HASH_KEYS (app/idcrypto.py). Every
existing value is sealed here, in Python and in batches (pgcrypto is not on every server),
then the children's unique index moves to the fingerprint and the plaintext columns go.
The downgrade opens every value again: it needs the keys the values were sealed with.

The touch triggers are off while the rows are rewritten: sealing a value is no edit, so no
version, `updated_at` or `change_seq` moves and no device pulls its rows again.
`shouhu_report_duplicate_child` (0014) finds the child on file by fingerprint now: it takes
the number's fingerprints under every hash key instead of the number.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 10:00:00
"""

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.idcrypto import KeyRing
from app.settings import get_settings

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table with an ID number, and whether it has a touch trigger (a synced table).
TABLES = {"children": True, "parents": True, "guardianships": True, "absence_records": False}
BATCH = 10_000
UNIQUE = "uq_children_id_number_live"
APP_ROLE = "shouhu_app"
# 0014's function, which found the child on file by its number; here, by its fingerprints.
REPORT_DUPLICATE = """
CREATE FUNCTION shouhu_report_duplicate_child(
    {number} {number_type}, p_area_code varchar, p_household_id uuid,
    p_attempted_child_id uuid, p_name varchar, p_gender varchar, p_birth_date date,
    p_reported_by uuid, p_reporter_label varchar, p_reported_at timestamptz
) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO duplicate_reports AS d (
        id, area_code, household_id, attempted_child_id, name, gender, birth_date,
        existing_child_id, existing_area_code, reported_by_id, reporter_label, reported_at
    )
    SELECT gen_random_uuid(), p_area_code, p_household_id, p_attempted_child_id, p_name,
        p_gender, p_birth_date, c.id, c.area_code, p_reported_by, p_reporter_label,
        p_reported_at
    FROM children c
    WHERE {found} AND c.deleted_at IS NULL
        AND c.id IS DISTINCT FROM p_attempted_child_id
    ON CONFLICT (existing_child_id, household_id) DO UPDATE SET
        attempted_child_id = excluded.attempted_child_id, name = excluded.name,
        gender = excluded.gender, birth_date = excluded.birth_date,
        reported_by_id = excluded.reported_by_id, reporter_label = excluded.reporter_label,
        reported_at = excluded.reported_at, attempts = d.attempts + 1
$$
"""
BY_NUMBER = {
    "number": "p_id_number",
    "number_type": "varchar",
    "found": "c.id_number = p_id_number",
}
BY_FINGERPRINT = {
    "number": "p_id_number_prints", "number_type": "bytea[]",
    "found": "c.id_number_hash = ANY(p_id_number_prints)",
}  # fmt: skip
REST_OF_ARGS = "varchar, uuid, uuid, varchar, varchar, date, uuid, varchar, timestamptz"


def _batches(bind: sa.Connection, select: str) -> Iterator[Sequence[Any]]:
    """The rows of `select` (its first column the id, `:after` its lower bound), by batch."""
    after = uuid.UUID(int=0)
    while True:
        rows = bind.execute(sa.text(select), {"after": after, "limit": BATCH}).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _without_touch(table: str, enabled: bool) -> None:
    if TABLES[table]:
        switch = "ENABLE" if enabled else "DISABLE"
        op.execute(f"ALTER TABLE {table} {switch} TRIGGER {table}_touch")


def _seal(bind: sa.Connection, ring: KeyRing, table: str) -> None:
    column = f"{table}.id_number"
    select = (
        f"SELECT id, id_number FROM {table} WHERE id_number IS NOT NULL "
        "AND id > :after ORDER BY id LIMIT :limit"
    )
    update = sa.text(
        f"UPDATE {table} AS t SET id_number_enc = u.enc, id_number_hash = u.hash "
        "FROM unnest(CAST(:ids AS uuid[]), CAST(:encs AS bytea[]), CAST(:hashes AS bytea[])) "
        "AS u(id, enc, hash) WHERE t.id = u.id"
    )
    for rows in _batches(bind, select):
        bind.execute(
            update,
            {
                "ids": [row.id for row in rows],
                "encs": [ring.seal(row.id_number, column) for row in rows],
                "hashes": [ring.fingerprint(row.id_number) for row in rows],
            },
        )


def _open(bind: sa.Connection, ring: KeyRing, table: str) -> None:
    column = f"{table}.id_number"
    select = (
        f"SELECT id, id_number_enc FROM {table} WHERE id_number_enc IS NOT NULL "
        "AND id > :after ORDER BY id LIMIT :limit"
    )
    update = sa.text(
        f"UPDATE {table} AS t SET id_number = u.id_number "
        "FROM unnest(CAST(:ids AS uuid[]), CAST(:numbers AS varchar[])) AS u(id, id_number) "
        "WHERE t.id = u.id"
    )
    for rows in _batches(bind, select):
        bind.execute(
            update,
            {
                "ids": [row.id for row in rows],
                "numbers": [ring.unseal(row.id_number_enc, column) for row in rows],
            },
        )


def _report_duplicate(previous: dict[str, str], new: dict[str, str]) -> None:
    op.execute(
        f"DROP FUNCTION shouhu_report_duplicate_child({previous['number_type']}, {REST_OF_ARGS})"
    )
    op.execute(REPORT_DUPLICATE.format(**new))
    arguments = f"{new['number_type']}, {REST_OF_ARGS}"
    op.execute(f"REVOKE ALL ON FUNCTION shouhu_report_duplicate_child({arguments}) FROM PUBLIC")
    op.execute(
        f"GRANT EXECUTE ON FUNCTION shouhu_report_duplicate_child({arguments}) TO {APP_ROLE}"
    )


def upgrade() -> None:
    ring = get_settings().id_number_key_ring
    bind = op.get_bind()
    for table in TABLES:
        op.add_column(table, sa.Column("id_number_enc", sa.LargeBinary(), nullable=True))
        op.add_column(table, sa.Column("id_number_hash", sa.LargeBinary(), nullable=True))
        _without_touch(table, enabled=False)
        _seal(bind, ring, table)
        _without_touch(table, enabled=True)
    op.drop_index(UNIQUE, table_name="children")
    op.create_index(
        UNIQUE,
        "children",
        ["id_number_hash"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND id_number_hash IS NOT NULL"),
    )
    for table in TABLES:
        op.drop_column(table, "id_number")
        op.create_check_constraint(
            f"ck_{table}_id_number_sealed",
            table,
            "(id_number_enc IS NULL) = (id_number_hash IS NULL)",
        )
    _report_duplicate(BY_NUMBER, BY_FINGERPRINT)


def downgrade() -> None:
    ring = get_settings().id_number_key_ring
    bind = op.get_bind()
    for table in TABLES:
        op.drop_constraint(f"ck_{table}_id_number_sealed", table, type_="check")
        op.add_column(table, sa.Column("id_number", sa.String(length=18), nullable=True))
        _without_touch(table, enabled=False)
        _open(bind, ring, table)
        _without_touch(table, enabled=True)
    _report_duplicate(BY_FINGERPRINT, BY_NUMBER)
    op.drop_index(UNIQUE, table_name="children")
    op.create_index(
        UNIQUE,
        "children",
        ["id_number"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND id_number IS NOT NULL"),
    )
    for table in TABLES:
        op.drop_column(table, "id_number_hash")
        op.drop_column(table, "id_number_enc")
