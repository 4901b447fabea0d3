"""Synthetic child files at benchmark scale, written with COPY."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.enums import AreaLevel
from app.models import User
from app.progress import Reporter, SilentReporter
from app.seed.copy import TABLE_ORDER, copy_batch
from app.seed.generator import Batch, ChildFileGenerator
from app.seed.places import areas_under, create_village_places
from app.seed.summary import SeedSummary
from app.services.statistics.history import fill_statistics

CHUNK_CHILDREN = 20_000
USERNAME_PREFIX = "synth-"


class SeedError(RuntimeError):
    """The data cannot be generated as asked; the message says why and what to do."""


async def seed_synthetic(
    engine: AsyncEngine,
    *,
    children: int,
    seed: int,
    area: str,
    today: date,
    reporter: Reporter | None = None,
) -> SeedSummary:
    """Generate about `children` children spread over the villages under `area`.

    Deterministic for (children, seed, area, today). Everything is written in one
    transaction, so a failed run leaves nothing behind. A second run over an area that
    already holds synthetic data is refused: generated IDs would collide.
    """
    progress: Reporter = reporter or SilentReporter()
    generator = ChildFileGenerator(seed, today)
    totals = dict.fromkeys(TABLE_ORDER, 0)
    async with engine.begin() as conn:
        villages = await areas_under(conn, area, AreaLevel.VILLAGE)
        if not villages:
            raise SeedError(
                f"no villages under {area!r}: load them first with "
                f"`shouhu import-areas --province {area[:2]}`"
            )
        existing = await conn.scalar(
            select(User.id)
            .where(User.username.startswith(USERNAME_PREFIX), User.area_code.startswith(area))
            .limit(1)
        )
        if existing is not None:
            raise SeedError(f"synthetic data already exists under {area}; use a fresh database")
        places = await create_village_places(
            conn, generator, villages, username_prefix=USERNAME_PREFIX
        )

        def generate(wanted: int) -> Batch:
            batch = Batch()
            while batch.count("children") < wanted:
                village = generator.rng.choice(places)
                count = min(generator.children_in_household(), wanted - batch.count("children"))
                generator.household(batch, village, count)
            return batch

        # Generate the next chunk in a thread while the database COPYs the current one: the
        # server works in its own process, so the two overlap on a two-core machine. Chunks
        # are still generated one after another, so the output stays deterministic.
        chunks = [
            min(CHUNK_CHILDREN, children - start) for start in range(0, children, CHUNK_CHILDREN)
        ]
        with progress.step(f"synthetic children under {area}", children) as advance:
            pending = (
                asyncio.create_task(asyncio.to_thread(generate, chunks[0])) if chunks else None
            )
            for index in range(len(chunks)):
                assert pending is not None
                batch = await pending
                following = chunks[index + 1] if index + 1 < len(chunks) else 0
                pending = (
                    asyncio.create_task(asyncio.to_thread(generate, following))
                    if following
                    else None
                )
                for table, n in (await copy_batch(conn, batch)).items():
                    totals[table] += n
                advance(chunks[index])
    await _analyze(engine)
    # The rollup is computed from the loaded rows, in SQL, after the planner knows them.
    with progress.step("statistics rollup (8 quarters)", None):
        async with engine.begin() as conn:
            totals["area_quarter_statistics"] = await fill_statistics(conn, generator.now)
        await _analyze(engine, "area_quarter_statistics")
    return SeedSummary(area=area, villages=len(villages), counts=totals)


async def _analyze(engine: AsyncEngine, table: str = "") -> None:
    """Fresh planner statistics (of one table, or all), so it knows the tables just grew."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"ANALYZE {table}"))
