"""Search keys of rows loaded in bulk, and `shouhu reindex-search` for rows without them."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from app.cli.bootstrap import prepare_database
from app.progress import SilentReporter
from app.seed.synthetic import seed_synthetic
from app.settings import Settings
from tests.command import shouhu
from tests.conftest import EngineFactory

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
