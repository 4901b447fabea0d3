"""`shouhu derive`: derived facts follow the facts they come from."""

from __future__ import annotations

from sqlalchemy import text

from tests.command import shouhu
from tests.conftest import EngineFactory


async def test_derive_updates_only_what_changed(fresh_db: str, engine_for: EngineFactory) -> None:
    engine = engine_for(fresh_db)
    async with engine.begin() as conn:
        child = (
            await conn.execute(
                text(
                    "SELECT id, household_id, change_seq FROM children "
                    "WHERE 'left_behind' = ANY(categories) LIMIT 1"
                )
            )
        ).one()
        # Both parents come home, written behind the services' back.
        await conn.execute(
            text("UPDATE parents SET status = 'at_home' WHERE household_id = :h"),
            {"h": child.household_id},
        )
    result = shouhu(fresh_db, "derive")
    assert result.returncode == 0, result.stderr
    changed = int(result.stderr.split(" children")[0].split()[-1].replace(",", ""))
    async with engine.connect() as conn:
        after = (
            await conn.execute(
                text("SELECT categories, change_seq FROM children WHERE id = :id"),
                {"id": child.id},
            )
        ).one()
        family = await conn.scalar(
            text("SELECT count(*) FROM children WHERE household_id = :h"),
            {"h": child.household_id},
        )
    assert "left_behind" not in after.categories
    assert after.change_seq > child.change_seq
    # Only the family's rows changed, so only they were written (of ~2,000 children).
    assert 1 <= changed <= family
