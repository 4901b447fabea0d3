"""ID numbers at rest: sealed, fingerprinted, opened only to be shown, rotated, migrated."""

from __future__ import annotations

import base64
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from httpx import AsyncClient
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import migrate
from app.database import session_factory
from app.domain.idnumber import make_id_number
from app.idcrypto import KeyRing, UnreadableIdNumber, key_ring, parse_key_ring
from app.logging import JsonFormatter
from app.models import Child, Parent
from app.progress import Advance
from app.rekey import count_stale, rotate_id_numbers, sealed_columns
from app.seed.demo import DEMO_VILLAGE
from app.services.statistics.refresh import StatisticsSession
from app.settings import Settings
from tests import factories
from tests.command import shouhu
from tests.conftest import PRODUCTION_KEYS, EngineFactory, access_token, service_client
from tests.documents import REGISTER_CHILD, child_input, register_household
from tests.graphql import query_data
from tests.world import key_of

TABLES = ("absence_records", "children", "guardianships", "parents")
DEVELOPMENT = Settings()
NEW_KEY = base64.b64encode(b"the-second-id-number-key-32bytes").decode()
NEW_HASH_KEY = base64.b64encode(b"the-second-id-number-hash-key-32b").decode()
# The keys after a rotation was decided: the new ones first, the development ones still open.
ROTATED = {
    "id_number_keys": f"v2:{NEW_KEY},{DEVELOPMENT.id_number_keys}",
    "id_number_hash_keys": f"v2:{NEW_HASH_KEY},{DEVELOPMENT.id_number_hash_keys}",
}
ONLY_NEW = KeyRing({2: base64.b64decode(NEW_KEY)}, {2: base64.b64decode(NEW_HASH_KEY)})


Stored = dict[str, dict[uuid.UUID, tuple[str, int | None, int | None]]]


async def _stored(engine: AsyncEngine, ring: KeyRing) -> Stored:
    """Every stored ID number opened with `ring`, with its row's version and change_seq."""
    stored: Stored = {}
    async with engine.connect() as conn:
        for column in sealed_columns():
            synced = "version, change_seq" if column.synced else "NULL, NULL"
            rows = await conn.execute(
                text(
                    f"SELECT id, id_number_enc, {synced} FROM {column.table} "
                    "WHERE id_number_enc IS NOT NULL"
                )
            )
            stored[column.table] = {
                row[0]: (ring.unseal(row[1], column.column), row[2], row[3]) for row in rows
            }
    return stored


# The ID number spelled out in the document: the audit trail keeps documents.
REGISTER_INLINE = """mutation { registerChild(input: {child: {householdId: "%s", name: "张小明",
  gender: MALE, birthDate: "2016-05-20", idNumber: "%s", livingArrangement: WITH_ONE_PARENT,
  schoolStatus: IN_SCHOOL}}) { child { id idNumber } errors { code } } }"""


async def _register(client: AsyncClient, url: str, number: str) -> dict[str, Any]:
    token = await access_token(url, "demo-village")
    household = await register_household(client, token)
    child = child_input(household["id"], idNumber=number)
    data = await query_data(client, token, REGISTER_CHILD, input={"child": child})
    payload: dict[str, Any] = data["registerChild"]
    return payload


# --- Sealing and fingerprints -----------------------------------------------------------------


def test_the_same_number_seals_differently_and_fingerprints_alike() -> None:
    ring = key_ring()
    number = make_id_number("420702", date(2016, 5, 20), 901)
    first, second = ring.seal(number, "children.id_number"), ring.seal(number, "children.id_number")
    assert first != second and number.encode() not in first
    assert ring.unseal(first, "children.id_number") == ring.unseal(second, "children.id_number")
    assert ring.fingerprint(number) == ring.fingerprint(f" {number[:-1]} {number[-1].lower()}")
    assert ring.fingerprint(number) != ring.fingerprint(
        make_id_number("420702", date(2016, 5, 20), 903)
    )
    # Another hash key gives another fingerprint: without the key, none can be recomputed.
    assert ONLY_NEW.fingerprint(number) != ring.fingerprint(number)


def test_no_nonce_is_used_twice_not_even_by_a_forked_worker() -> None:
    ring = key_ring()
    nonces = {ring.seal("420702201605209015", "children.id_number")[1:13] for _ in range(10_000)}
    assert len(nonces) == 10_000
    # The parent holds a block of nonces; a worker forked now must not hand out the same.
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the forked worker
        os.write(write, ring.seal("420702201605209015", "children.id_number")[1:13])
        os._exit(0)
    os.waitpid(child, 0)
    forked = os.read(read, 12)
    assert forked != ring.seal("420702201605209015", "children.id_number")[1:13]


def test_a_sealed_value_opens_only_in_its_column_and_under_its_key() -> None:
    ring = key_ring()
    sealed = ring.seal("420702201605209015", "children.id_number")
    with pytest.raises(UnreadableIdNumber, match="does not open"):
        ring.unseal(sealed, "parents.id_number")
    with pytest.raises(UnreadableIdNumber, match="does not open"):
        ring.unseal(sealed[:-1] + bytes([sealed[-1] ^ 1]), "children.id_number")
    with pytest.raises(UnreadableIdNumber, match="key v1, not in the ring"):
        ONLY_NEW.unseal(sealed, "children.id_number")


async def test_a_stored_id_number_is_in_no_table_in_plaintext(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    number = make_id_number("420702", date(2016, 5, 20), 901)
    token = await access_token(fresh_db, "demo-village")
    household = await register_household(fresh_client, token)
    data = await query_data(fresh_client, token, REGISTER_INLINE % (household["id"], number))
    registered = data["registerChild"]
    assert registered["errors"] == [] and registered["child"]["idNumber"] == number
    child_id = uuid.UUID(base64.b64decode(registered["child"]["id"]).decode().split(":")[1])
    async with engine_for(fresh_db).connect() as conn:
        row = (
            await conn.execute(
                text("SELECT id_number_enc, id_number_hash FROM children WHERE id = :id"),
                {"id": child_id},
            )
        ).one()
        tables = await conn.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        holding = [
            table
            for table in list(tables)
            if await conn.scalar(
                text(f"SELECT count(*) FROM {table} t WHERE t::text LIKE :like"),
                {"like": f"%{number}%"},
            )
        ]
        audited = await conn.scalar(
            text("SELECT count(*) FROM audit_events WHERE query_text LIKE :like"),
            {"like": f"%{number[:6]}********{number[14:]}%"},
        )
    assert number.encode() not in row.id_number_enc
    assert row.id_number_hash == key_ring().fingerprint(number)
    assert holding == [] and audited


async def test_a_ciphertext_moved_to_another_table_does_not_open(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    child_id = key_of((await factories.child(fresh_client, token, DEMO_VILLAGE))["id"])
    father = {"relation": "FATHER", "name": "张伟", "status": "AT_HOME",
              "idNumber": make_id_number("420702", date(1985, 3, 1), 911)}  # fmt: skip
    household = await factories.household(fresh_client, token, DEMO_VILLAGE, parents=[father])
    parent_id = uuid.UUID(key_of(household["parents"][0]["id"]))
    engine = engine_for(fresh_db)
    async with engine.begin() as conn:
        child = (
            await conn.execute(
                text("SELECT id_number_enc, id_number_hash FROM children WHERE id = :id"),
                {"id": child_id},
            )
        ).one()
        assert await conn.scalar(
            text("SELECT id_number_enc IS NOT NULL FROM parents WHERE id = :id"), {"id": parent_id}
        )
        await conn.execute(
            text("UPDATE parents SET id_number_enc = :enc, id_number_hash = :hash WHERE id = :id"),
            {"enc": child.id_number_enc, "hash": child.id_number_hash, "id": parent_id},
        )
    async with session_factory(engine, StatisticsSession)() as session:
        parent = await session.get(Parent, parent_id)
        assert parent is not None
        with pytest.raises(UnreadableIdNumber, match=r"parents\.id_number"):
            _ = parent.id_number


def test_a_sealed_id_number_cannot_be_compared_in_sql() -> None:
    with pytest.raises(TypeError, match="compare id_number_hash"):
        _ = Child.id_number == "420702201605209015"


# --- Lookup and uniqueness by fingerprint ------------------------------------------------------


async def test_a_new_hash_key_still_finds_numbers_fingerprinted_under_the_old_one(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    number = make_id_number("420702", date(2016, 5, 20), 901)
    assert (await _register(fresh_client, fresh_db, number))["errors"] == []
    async for client in service_client(fresh_db, **ROTATED):
        again = await _register(client, fresh_db, number)
        assert [e["code"] for e in again["errors"]] == ["DUPLICATE_CHILD"]
        other = await _register(client, fresh_db, make_id_number("420702", date(2016, 5, 20), 903))
        assert other["errors"] == []


async def test_only_a_view_that_shows_an_id_number_opens_it(demo_db: str) -> None:
    """With keys that open nothing on file, the school's view of its pupils still works:
    it never opens their ID numbers. The village's view, which shows them, cannot."""
    unrelated = {"id_number_keys": f"v9:{NEW_KEY}"}
    query = "{ children(first: 100) { edges { node { name idNumber } } } }"
    async for client in service_client(demo_db, **unrelated):
        for username, opens in (("demo-school", False), ("demo-village", True)):
            token = await access_token(demo_db, username)
            response = await client.post(
                "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
            )
            body = response.json()
            assert ("errors" in body) is opens, (username, body)
            if not opens:
                assert body["data"]["children"]["edges"]


# --- Rotation ----------------------------------------------------------------------------------


class Interrupted(Exception):
    """A run stopped from outside."""


class _StopAfter:
    """A progress reporter that stops the run after `batches` batches (an interrupted run)."""

    def __init__(self, batches: int) -> None:
        self.left = batches

    @contextmanager
    def step(self, description: str, total: int | None) -> Iterator[Advance]:
        def advance(amount: int = 1) -> None:
            self.left -= 1
            if self.left == 0:
                raise Interrupted

        yield advance


async def test_rotation_reseals_everything_under_the_new_keys_and_is_no_edit(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    before = await _stored(engine, key_ring())
    assert all(before[table] for table in TABLES)
    ring = Settings.model_validate(ROTATED).id_number_key_ring
    # Before the rotation, the old keys still open what is on file.
    async for client in service_client(fresh_db, **ROTATED):
        token = await access_token(fresh_db, "demo-village")
        shown = await query_data(
            client, token, "{ children(first: 5) { edges { node { idNumber } } } }"
        )
        numbers = {v[0] for v in before["children"].values()}
        assert {e["node"]["idNumber"] for e in shown["children"]["edges"]} <= numbers

    with pytest.raises(Interrupted):
        await rotate_id_numbers(engine, ring, _StopAfter(2), batch=40)
    left = await count_stale(engine, ring)
    assert 0 < sum(left.values()) < sum(len(rows) for rows in before.values())

    summary = await rotate_id_numbers(engine, ring, batch=40)
    assert sum(summary.resealed.values()) == sum(left.values())
    assert "under key v2 and hash key v2" in summary.line()
    assert await count_stale(engine, ring) == dict.fromkeys(TABLES, 0)
    # Everything opens with the new keys alone; no row's version or change_seq moved.
    assert await _stored(engine, ONLY_NEW) == before
    async with engine.connect() as conn:
        for table in TABLES:
            versions = await conn.execute(
                text(
                    f"SELECT DISTINCT get_byte(id_number_enc, 0), get_byte(id_number_hash, 0) "
                    f"FROM {table} WHERE id_number_enc IS NOT NULL"
                )
            )
            assert versions.all() == [(2, 2)]
    # Idempotent: a second run finds nothing to do.
    again = await rotate_id_numbers(engine, ring)
    assert sum(again.resealed.values()) == 0


async def test_rotation_stops_on_a_value_no_key_of_the_ring_opens(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    with pytest.raises(UnreadableIdNumber, match="key v1, not in the ring"):
        await rotate_id_numbers(engine_for(fresh_db), ONLY_NEW)


# --- Migration -------------------------------------------------------------------------------


async def test_the_migration_round_trips_every_id_number(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    before = await _stored(engine, key_ring())
    script = ScriptDirectory.from_config(migrate.alembic_config())
    previous = script.get_revision("0015").down_revision
    assert isinstance(previous, str)
    await migrate.downgrade(engine, previous)
    async with engine.connect() as conn:
        for column in sealed_columns():
            synced = "version, change_seq" if column.synced else "NULL, NULL"
            rows = await conn.execute(
                text(
                    f"SELECT id, id_number, {synced} FROM {column.table} "
                    "WHERE id_number IS NOT NULL"
                )
            )
            assert {row[0]: tuple(row[1:]) for row in rows} == before[column.table]
    await migrate.upgrade(engine)
    assert await _stored(engine, key_ring()) == before
    async with engine.connect() as conn:
        prints = await conn.execute(
            text("SELECT id, id_number_hash FROM children WHERE id_number_hash IS NOT NULL")
        )
        fingerprint = key_ring().fingerprint
        assert all(
            hash_ == fingerprint(before["children"][child_id][0]) for child_id, hash_ in prints
        )
    assert await migrate.schema_differences(engine) == []


# --- Settings and logs -------------------------------------------------------------------------


def test_production_refuses_to_start_without_id_number_keys() -> None:
    production = {**PRODUCTION_KEYS, "env": "production"}
    assert Settings.model_validate(production).env == "production"
    for missing, setting in (
        ("id_number_keys", "SHOUHU_ID_NUMBER_KEYS"),
        ("id_number_hash_keys", "SHOUHU_ID_NUMBER_HASH_KEYS"),
    ):
        without = {k: v for k, v in production.items() if k != missing}
        with pytest.raises(ValidationError, match=f"{setting} must be set in production"):
            Settings.model_validate(without)
    # A development key kept in the ring (even second) is refused too.
    kept = {**production, "id_number_keys": f"{PRODUCTION_KEYS['id_number_keys']},"
            f"{DEVELOPMENT.id_number_keys.replace('v1', 'v7')}"}  # fmt: skip
    with pytest.raises(ValidationError, match="SHOUHU_ID_NUMBER_KEYS must be set"):
        Settings.model_validate(kept)


@pytest.mark.parametrize(
    ("ring", "message"),
    [
        ("secret", "written v<version>:<base64 key>"),
        (f"v0:{NEW_KEY}", "versions are 1 to 255"),
        (f"v2:{NEW_KEY},v2:{NEW_KEY}", "version 2 is given twice"),
        ("v2:not base64!", "is not base64"),
        ("v2:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
    ],
)
def test_a_malformed_key_ring_is_refused_without_showing_the_key(ring: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        Settings.model_validate({"id_number_keys": ring})
    assert NEW_KEY not in str(refused.value)
    assert parse_key_ring(f"v3:{NEW_KEY},v1:{NEW_KEY}", setting="x", min_bytes=32, max_bytes=32)


def test_logs_never_carry_an_id_number() -> None:
    number = make_id_number("420702", date(2016, 5, 20), 901)
    record = logging.LogRecord("shouhu", logging.ERROR, __file__, 1, "refused %s", (number,), None)
    record.__dict__["variables"] = {"idNumber": number}
    line = JsonFormatter().format(record)
    assert number not in line and line.count("420702********") == 2


# --- The command -------------------------------------------------------------------------------


def test_the_rotation_command_reports_in_one_line(
    fresh_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = shouhu(fresh_db, "keys", "new", "3")
    assert created.returncode == 0, created.stderr
    assert parse_key_ring(
        created.stdout.strip(), setting="x", min_bytes=32, max_bytes=32
    ).keys() == {3}

    monkeypatch.setenv("SHOUHU_ID_NUMBER_KEYS", ROTATED["id_number_keys"])
    monkeypatch.setenv("SHOUHU_ID_NUMBER_HASH_KEYS", ROTATED["id_number_hash_keys"])
    first = shouhu(fresh_db, "keys", "rotate-id-numbers", "--batch", "500")
    assert first.returncode == 0, first.stderr
    assert "ID numbers re-sealed (absence_records" in first.stderr
    assert "every ID number is under key v2 and hash key v2" in first.stderr
    again = shouhu(fresh_db, "keys", "rotate-id-numbers")
    assert again.stderr.strip().splitlines()[-1].startswith("0 ID numbers re-sealed")

    monkeypatch.setenv("SHOUHU_ID_NUMBER_KEYS", f"v5:{NEW_KEY}")
    refused = shouhu(fresh_db, "keys", "rotate-id-numbers")
    assert refused.returncode == 2
    assert "not in the ring" in refused.stderr and "Traceback" not in refused.stderr
