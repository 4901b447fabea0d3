"""Getting a database ready to serve: migrations, the demo province's areas, the demo data."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from app.areas import import_areas, loaded_provinces
from app.database import session_factory
from app.migrate import upgrade
from app.progress import Reporter
from app.seed.demo import seed_demo
from app.services.statistics.refresh import StatisticsSession
from app.settings import Settings
from authz.policy_store import install_default_policy


async def prepare_database(engine: AsyncEngine, settings: Settings, reporter: Reporter) -> str:
    """Migrate, load the demo province's areas if missing and seed the demo once.

    Returns a one-line account of what was done. Safe to run at every start.
    """
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
    return "; ".join(done)
