"""Row-level security: the application role sees nothing without a scope, and only its scope."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.database import app_role_url
from app.seed.demo import DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from app.settings import Settings
from tests.conftest import EngineFactory

SCOPED_TABLES = ("children", "households", "parents", "guardianships", "visits", "cases")


def _app_url(url: str) -> str:
    return app_role_url(url, Settings.model_validate({"DATABASE_URL": url}))


async def test_no_scope_no_rows(demo_db: str, engine_for: EngineFactory) -> None:
    async with engine_for(_app_url(demo_db)).connect() as conn:
        assert await conn.scalar(text("SELECT current_user")) == "shouhu_app"
        for table in SCOPED_TABLES:
            assert await conn.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table


async def test_village_scope_sees_only_its_village(demo_db: str, engine_for: EngineFactory) -> None:
    async with engine_for(_app_url(demo_db)).begin() as conn:
        await conn.execute(text("SELECT set_config('shouhu.scope', :s, true)"), {"s": DEMO_VILLAGE})
        for table in SCOPED_TABLES:
            areas = set((await conn.scalars(text(f"SELECT DISTINCT area_code FROM {table}"))).all())
            assert areas == {DEMO_VILLAGE}, table


async def test_prefix_scope_and_scope_ends_with_the_transaction(
    demo_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(_app_url(demo_db))
    async with engine.begin() as conn:
        await conn.execute(
            text("SELECT set_config('shouhu.scope', :s, true)"), {"s": f"{DEMO_TOWNSHIP}%"}
        )
        villages = set((await conn.scalars(text("SELECT DISTINCT area_code FROM children"))).all())
    assert len(villages) > 2
    assert all(v.startswith(DEMO_TOWNSHIP) for v in villages)
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM children")) == 0


async def test_writes_outside_the_scope_are_refused(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(_app_url(fresh_db)).connect() as conn:
        await conn.execute(
            text("SELECT set_config('shouhu.scope', :s, false)"), {"s": DEMO_VILLAGE}
        )
        updated = await conn.execute(
            text("UPDATE households SET phone = '1' WHERE area_code <> :v"), {"v": DEMO_VILLAGE}
        )
        assert updated.rowcount == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                text(
                    "INSERT INTO households (id, area_code, address) "
                    "VALUES (gen_random_uuid(), '420702100202', 'x')"
                )
            )
        await conn.rollback()


async def test_audit_trail_is_append_only_for_the_service(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(_app_url(fresh_db)).connect() as conn:
        await conn.execute(
            text("INSERT INTO audit_events (actor_label, action) VALUES ('test', 'read')")
        )
        with pytest.raises(DBAPIError, match="permission denied"):
            await conn.execute(text("DELETE FROM audit_events"))
        await conn.rollback()


async def test_a_move_request_is_seen_from_either_village_only(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO child_move_requests (id, child_id, area_code, to_area_code, "
                "child_name, child_birth_date, requested_at) SELECT gen_random_uuid(), id, "
                "area_code, :to, name, birth_date, now() FROM children WHERE area_code = :v "
                "ORDER BY id LIMIT 1"
            ),
            {"v": DEMO_VILLAGE, "to": DEMO_VILLAGE2},
        )
    engine = engine_for(_app_url(fresh_db))
    for scope, seen in ((DEMO_VILLAGE, 1), (DEMO_VILLAGE2, 1), ("420703%", 0), ("", 0)):
        async with engine.begin() as conn:
            await conn.execute(text("SELECT set_config('shouhu.scope', :s, true)"), {"s": scope})
            count = await conn.scalar(text("SELECT count(*) FROM child_move_requests"))
            assert count == seen, scope
