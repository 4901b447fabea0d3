"""Search keys of rows loaded in bulk, and `shouhu reindex-search` for rows without them."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from app.seed.synthetic import seed_synthetic
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
