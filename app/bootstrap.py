"""Getting a database ready to serve: migrations, the demo province's areas, the demo data."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from app.areas import import_areas, loaded_provinces
from app.migrate import upgrade
from app.progress import Reporter
from app.seed.demo import seed_demo
from app.settings import Settings


async def prepare_database(engine: AsyncEngine, settings: Settings, reporter: Reporter) -> str:
    """Migrate, load the demo province's areas if missing and seed the demo once.

    Returns a one-line account of what was done. Safe to run at every start.
    """
    await upgrade(engine)
    done = ["migrations at head"]
    if settings.demo_province not in await loaded_provinces(engine):
        summary = await import_areas(engine, [settings.demo_province], reporter)
        done.append(f"{summary.rows:,} areas of province {settings.demo_province} loaded")
    if settings.seed_demo:
        seeded = await seed_demo(engine, today=date.today(), reporter=reporter)
        done.append(f"demo data seeded ({seeded.line()})" if seeded else "demo data present")
    return "; ".join(done)
