"""Migrations: up from nothing, down to nothing, and in step with the models."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, text

from app import migrate
from app.models import SYNCED_TABLES, Base
from app.models.base import Synced
from tests.conftest import EngineFactory


async def _tables(engine_for: EngineFactory, url: str) -> set[str]:
    async with engine_for(url).connect() as conn:
        rows = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        return {row.tablename for row in rows}


async def test_upgrade_from_empty_creates_every_table(
    empty_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(empty_db)
    assert await migrate.current_revision(engine) is None
    await migrate.upgrade(engine)
    assert await migrate.current_revision(engine) == migrate.head_revision()
    assert await _tables(engine_for, empty_db) == set(Base.metadata.tables) | {"alembic_version"}


async def test_models_equal_migrations(empty_db: str, engine_for: EngineFactory) -> None:
    engine = engine_for(empty_db)
    await migrate.upgrade(engine)
    assert await migrate.schema_differences(engine) == []


async def test_downgrade_to_base_leaves_nothing_and_upgrades_again(
    empty_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(empty_db)
    await migrate.upgrade(engine)
    await migrate.downgrade(engine, "base")
    assert await _tables(engine_for, empty_db) == {"alembic_version"}
    async with engine.connect() as conn:
        leftovers = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('S', 'i', 'v')"
            )
        )
        functions = await conn.scalar(
            text("SELECT count(*) FROM pg_proc WHERE proname = 'shouhu_touch'")
        )
    # Only alembic_version's primary key index may remain.
    assert leftovers == 1
    assert functions == 0
    await migrate.upgrade(engine)
    assert await migrate.current_revision(engine) == migrate.head_revision()


async def test_every_synced_table_has_the_touch_trigger(
    empty_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(empty_db)
    await migrate.upgrade(engine)
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = c.relname || '_touch'"
            )
        )
        triggered = {row.relname for row in rows}
    assert set(SYNCED_TABLES) == triggered
    assert {"children", "visits", "cases", "households"} <= triggered


async def test_raw_update_bumps_version_change_seq_and_updated_at(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    async with engine.begin() as conn:
        before = (
            await conn.execute(
                text("SELECT id, version, change_seq, updated_at FROM households LIMIT 1")
            )
        ).one()
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE households SET phone = '13800000000' WHERE id = :id"), {"id": before.id}
        )
    async with engine.connect() as conn:
        after = (
            await conn.execute(
                text("SELECT version, change_seq, updated_at FROM households WHERE id = :id"),
                {"id": before.id},
            )
        ).one()
    assert after.version == before.version + 1
    assert after.change_seq > before.change_seq
    assert after.updated_at > before.updated_at


async def test_each_touch_trigger_is_given_the_models_not_edits(
    empty_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(empty_db)
    await migrate.upgrade(engine)
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.relname, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = c.relname || '_touch'"
            )
        )
        given = {row.relname: tuple(row.tgargs.decode().split("\0")[:-1]) for row in rows}
    declared = {
        cast(Table, mapper.local_table).name: mapper.class_.not_edits
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, Synced)
    }
    assert given == declared
    assert "next_visit_due" in given["children"]


async def test_a_raw_update_of_what_is_no_edit_leaves_the_version(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    child = "(SELECT id FROM children ORDER BY id LIMIT 1)"
    read = text(f"SELECT version, change_seq FROM children WHERE id = {child}")
    async with engine.begin() as conn:
        before = (await conn.execute(read)).one()
        await conn.execute(
            text(f"UPDATE children SET next_visit_due = next_visit_due + 7 WHERE id = {child}")
        )
        derived = (await conn.execute(read)).one()
        await conn.execute(text(f"UPDATE children SET name = name || '一' WHERE id = {child}"))
        edited = (await conn.execute(read)).one()
    assert derived.version == before.version and derived.change_seq > before.change_seq
    assert edited.version == before.version + 1 and edited.change_seq > derived.change_seq
