"""The daily job over a synthetic province of 1,000,000 children, timed by step.

Makes a throw-away embedded database (unless DATABASE_URL is set: then that database is
written to!) with Hubei's areas, the demo data and `--children` synthetic children in Hubei
(42), then runs the daily job (app/services/daily.py) twice and prints each step's time:
- as of today: the first run, which opens the tasks of every visit, case, referral and
  dropout already overdue in the generated files;
- as of four days later: the level-0 tasks are past their due date and escalate; the
  situations that ended meanwhile (re-derivation moves visits due) close their tasks.
`--rounds` is unused (the job runs once per day by design).

Usage: .venv/bin/python -m bench.daily_job [--children 1000000]
Keep the database for another run with BENCH_KEEP_DB=1.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock, migrate
from app.areas import import_areas
from app.database import create_engine
from app.models import Child
from app.progress import Advance, SilentReporter
from app.seed.demo import seed_demo
from app.seed.synthetic import seed_synthetic
from app.services.daily import DailyOutcome, run_daily_job
from app.settings import Settings
from bench.databases import run_on_throwaway_database

PROVINCE = "42"


class StepTimer:
    """A progress reporter that keeps how long each step took."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []

    @contextmanager
    def step(self, description: str, total: int | None) -> Iterator[Advance]:
        """Time one step of the job."""
        start = time.perf_counter()

        def advance(amount: int = 1) -> None:
            return None

        yield advance
        self.steps.append((description, time.perf_counter() - start))


async def prepare(engine: AsyncEngine, children: int) -> None:
    """Migrate, load Hubei's areas, the demo and the synthetic province (once)."""
    await migrate.upgrade(engine)
    async with engine.connect() as conn:
        loaded = await conn.scalar(select(func.count()).select_from(Child))
    if loaded:
        return
    await import_areas(engine, [PROVINCE], SilentReporter())
    await seed_demo(engine, today=clock.today())
    start = time.perf_counter()
    await seed_synthetic(engine, children=children, seed=1, area=PROVINCE, today=clock.today())
    print(f"seed synthetic {children:,}: {time.perf_counter() - start:.1f} s")


async def timed_run(engine: AsyncEngine, label: str) -> DailyOutcome:
    """Run the job once (forgetting earlier runs, so it runs) and print its steps."""
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM daily_job_runs"))
    timer = StepTimer()
    start = time.perf_counter()
    outcome = await run_daily_job(engine, timer)
    total = time.perf_counter() - start
    print(f"\n{label}: {total:.1f} s in all")
    for description, seconds in timer.steps:
        print(f"  {description:<40} {seconds:8.1f} s")
    print(f"  {outcome.line()}")
    return outcome


async def run(url: str, settings: Settings, children: int, rounds: int) -> None:
    """Prepare the database, then run the job as of today and four days later."""
    owner = create_engine(url, pool_size=2)
    try:
        await prepare(owner, children)
        async with owner.connect() as conn:
            total = await conn.scalar(select(func.count()).select_from(Child))
        print(f"children on file: {total:,}")
        await timed_run(owner, "as of today")
        clock.configure(settings.timezone, clock.now() + timedelta(days=4))
        await timed_run(owner, "four days later")
        async with owner.connect() as conn:
            counts = (
                await conn.execute(
                    text(
                        "SELECT kind, escalation_level, status, count(*) FROM tasks "
                        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
                    )
                )
            ).all()
        print("\ntasks by kind, level and status:")
        for kind, level, status, count in counts:
            print(f"  {kind:<22} {level} {status:<9} {count:>9,}")
    finally:
        await owner.dispose()


def main() -> None:
    """Parse arguments, provide a database, run."""
    run_on_throwaway_database(
        __doc__.splitlines()[0], "daily-db", run, children=1_000_000, rounds=1
    )


if __name__ == "__main__":
    main()
