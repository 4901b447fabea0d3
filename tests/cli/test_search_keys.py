"""Search keys of rows loaded in bulk, and `shouhu reindex-search` for rows without them."""

from __future__ import annotations

import gc
import uuid
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from app.cli.bootstrap import prepare_database
from app.database import raw_connection
from app.progress import Advance, SilentReporter
from app.seed import synthetic
from app.seed.bulk import set_aside
from app.seed.keys import copy_text
from app.seed.synthetic import LOADED_TABLES, seed_synthetic
from app.settings import Settings
from tests.command import shouhu
from tests.conftest import EngineFactory, create_database, drop_database

KEYS = text(
    "SELECT 'c' || child_id, keys FROM child_search_keys"
    " UNION ALL SELECT 'h' || household_id, keys FROM household_search_keys"
)
MISSING = text(
    "SELECT (SELECT count(*) FROM children c WHERE NOT EXISTS"
    " (SELECT 1 FROM child_search_keys k WHERE k.child_id = c.id))"
    " + (SELECT count(*) FROM households h WHERE NOT EXISTS"
    " (SELECT 1 FROM household_search_keys k WHERE k.household_id = h.id))"
)


# Every loaded row but what differs between two runs by design: sealed values (a fresh nonce
# each time; their fingerprints are compared) and the moments of writing.
ROWS = (
    "SELECT to_jsonb(t) - ARRAY['id_number_enc', 'created_at', 'updated_at', 'change_xid']"
    " FROM {table} t ORDER BY 1"
)
# The load drops foreign keys and indexes (B-tree and GIN) and puts them back: the same as
# before.
SCHEMA = text(
    "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE conrelid = ANY(CAST(:tables AS regclass[]))"
    " UNION ALL SELECT pg_get_indexdef(indexrelid) FROM pg_index"
    " WHERE indrelid = ANY(CAST(:tables AS regclass[])) ORDER BY 1"
)


async def _keys(engine: AsyncEngine) -> dict[str, list[str]]:
    async with engine.connect() as conn:
        return {record: keys for record, keys in (await conn.execute(KEYS)).all()}


async def test_bulk_loads_write_keys_and_reindex_computes_the_same_again(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    await seed_synthetic(engine, children=200, seed=3, area="420703", today=clock.today())
    async with engine.connect() as conn:
        assert await conn.scalar(MISSING) == 0
    loaded = await _keys(engine)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM child_search_keys"))
        await conn.execute(text("DELETE FROM household_search_keys"))
    done = shouhu(fresh_db, "reindex-search")
    assert done.returncode == 0, done.stderr
    assert "search keys of" in done.stderr  # the console writes to stderr
    assert await _keys(engine) == loaded


async def test_the_files_without_keys_get_them_at_the_next_start(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    loaded = await _keys(engine)
    # As a database upgraded to the search keys has them: none for some of its files.
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "DELETE FROM child_search_keys WHERE child_id IN "
                "(SELECT id FROM children ORDER BY id LIMIT 50)"
            )
        )
        await conn.execute(text("DELETE FROM household_search_keys"))
        assert await conn.scalar(MISSING) > 50
    settings = Settings.model_validate({"DATABASE_URL": fresh_db})
    await prepare_database(engine, settings, SilentReporter())
    async with engine.connect() as conn:
        assert await conn.scalar(MISSING) == 0
    assert await _keys(engine) == loaded


class _Steps:
    """Records the names of the steps a load reports."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def step(self, description: str, total: int | None) -> AbstractContextManager[Advance]:
        self.names.append(description)
        return SilentReporter().step(description, total)


async def _load(engine: AsyncEngine, *, processes: bool) -> dict[str, list[Any]]:
    async with engine.connect() as conn:
        schema = (await conn.scalars(SCHEMA, {"tables": list(LOADED_TABLES)})).all()
    steps = _Steps()
    await seed_synthetic(
        engine, children=2500, seed=5, area="420703", today=clock.today(), processes=processes,
        reporter=steps,
    )  # fmt: skip
    # More children than the demo's: the foreign keys and indexes were set aside, put back.
    assert "indexes and foreign keys" in steps.names
    # The collector paused for the load runs again after it.
    assert gc.isenabled()
    # The search keys' GIN indexes among them, built again after the load.
    for table in ("child_search_keys", "household_search_keys"):
        assert f"CREATE INDEX ix_{table}_keys ON public.{table} USING gin (keys)" in schema
    async with engine.connect() as conn:
        assert (await conn.scalars(SCHEMA, {"tables": list(LOADED_TABLES)})).all() == schema
        return {
            table: list((await conn.scalars(text(ROWS.format(table=table)))).all())
            for table in LOADED_TABLES
        }


async def test_a_load_in_worker_processes_writes_what_the_service_would(
    server_url: str, template_db: str, engine_for: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 1,000: three of them, so that generation, keys and COPY overlap.
    monkeypatch.setattr(synthetic, "CHUNK_CHILDREN", 1000)
    urls = [await create_database(server_url, template=template_db) for _ in range(2)]
    try:
        in_processes = await _load(engine_for(urls[0]), processes=True)
        in_threads = await _load(engine_for(urls[1]), processes=False)
        loaded = await _keys(engine_for(urls[0]))
        # The service computes the keys again from the rows on file: the same keys.
        done = shouhu(urls[0], "reindex-search")
        assert done.returncode == 0, done.stderr
        assert await _keys(engine_for(urls[0])) == loaded
    finally:
        for url in urls:
            await drop_database(server_url, url)
    assert len(in_processes["children"]) > 2500  # the demo's and the 2,500 loaded
    assert len(in_processes["child_search_keys"]) == len(in_processes["children"])
    assert in_processes == in_threads


async def test_a_large_load_builds_the_search_keys_gin_indexes_after_it(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    gin = {
        f"CREATE INDEX ix_{table}_keys ON public.{table} USING gin (keys)"
        for table in ("child_search_keys", "household_search_keys")
    }
    async with engine_for(fresh_db).connect() as conn, conn.begin() as transaction:
        aside = await set_aside(conn, LOADED_TABLES)
        during = set((await conn.scalars(SCHEMA, {"tables": list(LOADED_TABLES)})).all())
        await transaction.rollback()
    assert gin <= set(aside.indexes)
    assert not gin & during


async def test_keys_written_as_copy_text_read_back_as_they_were(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    # Characters that COPY's text format or an array literal would read otherwise.
    rows = [
        (uuid.uuid4(), "420703", ['n=a"b', "n~a\\b", "n^a,b", "p={x}", "t=1\t2", "i=NULL"]),
        (uuid.uuid4(), "420703", ["n=\n\r", "n~ ", "n~\\N"]),
        (uuid.uuid4(), "420703", []),
    ]
    async with engine_for(fresh_db).connect() as conn:
        driver = await raw_connection(conn)
        await driver.execute("CREATE TEMPORARY TABLE written (LIKE child_search_keys)")
        await driver.copy_to_table(
            "written", source=memoryview(copy_text(rows)), format="text",
            columns=["child_id", "area_code", "keys"],
        )  # fmt: skip
        read = {row[0]: (row[1], row[2]) for row in await driver.fetch("SELECT * FROM written")}
    assert read == {record: (area, keys) for record, area, keys in rows}
