"""Getting a database ready to serve: migrations, the demo province's areas, the demo data."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from app.areas import import_areas, loaded_provinces
from app.database import session_factory
from app.migrate import upgrade
from app.progress import Reporter
from app.seed.demo import seed_demo
from app.services.search_keys import index_unindexed
from app.services.statistics.refresh import StatisticsSession
from app.settings import Settings
from authz.policy_store import install_default_policy

# Held while a process prepares the database (any fixed key no other lock of the service uses).
PREPARE_LOCK = 0x53484F5548550002


async def _prepare(engine: AsyncEngine, settings: Settings, reporter: Reporter) -> str:
    await upgrade(engine)
    done = ["migrations at head"]
    async with session_factory(engine, StatisticsSession)() as session, session.begin():
        if installed := await install_default_policy(session):
            done.append(f"{installed} default policy rules installed")
    if settings.demo_province not in await loaded_provinces(engine):
        summary = await import_areas(engine, [settings.demo_province], reporter)
        done.append(f"{summary.rows:,} areas of province {settings.demo_province} loaded")
    if settings.seed_demo:
        seeded = await seed_demo(engine, today=clock.today(), reporter=reporter)
        done.append(f"demo data seeded ({seeded.line()})" if seeded else "demo data present")
    async with engine.begin() as conn:
        households, children = await index_unindexed(conn)
    if households or children:
        done.append(f"search keys of {children:,} children and {households:,} households written")
    return "; ".join(done)


async def prepare_database(engine: AsyncEngine, settings: Settings, reporter: Reporter) -> str:
    """Migrate, load the demo province's areas if missing and seed the demo once.

    Returns a one-line account of what was done. Safe to run at every start, and by several
    processes starting at once: they take turns (an advisory lock), so the second finds the
    work done instead of racing the first to install the same rows.
    """
    async with engine.connect() as lock:
        await lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PREPARE_LOCK})
        await lock.commit()
        try:
            return await _prepare(engine, settings, reporter)
        finally:
            await lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PREPARE_LOCK})
            await lock.commit()
