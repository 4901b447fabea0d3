"""Synthetic child files at benchmark scale, written with COPY."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from types import TracebackType
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.enums import AreaLevel
from app.idcrypto import KeyRing, install, key_ring
from app.models import Child, User
from app.progress import Reporter, SilentReporter
from app.seed.bulk import put_back, set_aside
from app.seed.copy import KEY_TABLES, TABLE_ORDER, copy_keys, copy_rows
from app.seed.generator import Batch, ChildFileGenerator, VillagePlace
from app.seed.keys import Facts, KeyComputer, batch_facts, copy_text
from app.seed.places import areas_under, create_village_places
from app.seed.summary import SeedSummary
from app.services.statistics.history import fill_statistics

CHUNK_CHILDREN = 20_000
USERNAME_PREFIX = "synth-"
LOADED_TABLES = (*TABLE_ORDER, *KEY_TABLES)
Rows = dict[str, list[tuple[Any, ...]]]


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
    processes: bool | None = None,
) -> SeedSummary:
    """Generate about `children` children spread over the villages under `area`.

    Deterministic for (children, seed, area, today). Everything is written in one
    transaction, so a failed run leaves nothing behind. A second run over an area that
    already holds synthetic data is refused: generated IDs would collide. Rows are generated
    and their search keys computed in two worker processes (`processes`; by default when
    there is more than one chunk), in threads otherwise: the same rows and keys either way.
    A load at least as large as the children on file sets the tables' foreign keys and
    B-tree indexes aside and puts them back after it (app/seed/bulk.py).
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

        chunks = [
            min(CHUNK_CHILDREN, children - start) for start in range(0, children, CHUNK_CHILDREN)
        ]
        if processes is None:
            processes = len(chunks) > 1
        # Putting foreign keys and indexes back checks and sorts whole tables: worth it when
        # the load is at least as large as what is on file, not for a few more children.
        on_file = await conn.scalar(select(func.count()).select_from(Child))
        aside = await set_aside(conn, LOADED_TABLES) if children >= (on_file or 0) else None
        with (
            progress.step(f"synthetic children under {area}", children) as advance,
            _Workers(generator, places, processes=processes) as workers,
            _collector_paused(),
        ):
            # Chunks are generated one after another by one worker, so the output stays
            # deterministic; the next two are generated while the database COPYs this one,
            # and a chunk's keys are computed while the next is COPYed.
            generated = deque(workers.generate(wanted) for wanted in chunks[:2])
            keyed: asyncio.Future[tuple[bytes, bytes]] | None = None
            for index, wanted in enumerate(chunks):
                rows, facts = await generated.popleft()
                if index + 2 < len(chunks):
                    generated.append(workers.generate(chunks[index + 2]))
                following = workers.keys(facts)
                for table, n in (await copy_rows(conn, rows)).items():
                    totals[table] += n
                if keyed is not None:
                    await copy_keys(conn, *(await keyed))
                keyed = following
                advance(wanted)
            if keyed is not None:
                await copy_keys(conn, *(await keyed))
        if aside is not None:
            with progress.step("indexes and foreign keys", None):
                await put_back(conn, aside, LOADED_TABLES)
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a load: its rows hold no cycles, and each full
    collection walks every row in memory (nearly half of generating a chunk)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Worker:
    """What a worker of a load holds: the generator and its villages, the keys' memory."""

    def __init__(self, generator: ChildFileGenerator, places: list[VillagePlace]) -> None:
        self.generator = generator
        self.places = places
        self.keys = KeyComputer()

    def generate(self, wanted: int) -> tuple[Rows, Facts]:
        """The next `wanted` children's rows (whole households) and their keys' facts."""
        generator, batch = self.generator, Batch()
        while batch.count("children") < wanted:
            village = generator.rng.choice(self.places)
            count = min(generator.children_in_household(), wanted - batch.count("children"))
            generator.household(batch, village, count)
        rows = dict(batch.rows)
        return rows, batch_facts(rows)

    def key_rows(self, facts: Facts) -> tuple[bytes, bytes]:
        """The key rows of the children and households of `facts`, as COPY text."""
        children = self.keys.children(facts.children)
        return copy_text(children), copy_text(self.keys.households(facts.households))


# The worker of this process, when it is a worker process of a load.
_process_worker: _Worker | None = None


def _start_worker(
    keys: tuple[dict[int, bytes], dict[int, bytes]],
    generator: ChildFileGenerator,
    places: list[VillagePlace],
) -> None:
    global _process_worker
    # A worker process lives for one load (see _collector_paused).
    gc.disable()
    # The parent's key ring, which may not be the settings' (a test, a rotation).
    install(KeyRing(*keys))
    _process_worker = _Worker(generator, places)


def _generate_in_process(wanted: int) -> tuple[Rows, Facts]:
    assert _process_worker is not None
    return _process_worker.generate(wanted)


def _key_rows_in_process(facts: Facts) -> tuple[bytes, bytes]:
    assert _process_worker is not None
    return _process_worker.key_rows(facts)


class _Workers:
    """Generation and key computation beside the COPY: one worker process each (Python
    holds one core per process), or threads of this process for small loads."""

    def __init__(
        self, generator: ChildFileGenerator, places: list[VillagePlace], *, processes: bool
    ) -> None:
        self._executors: list[Executor]
        if processes:
            ring = key_ring()
            context = multiprocessing.get_context("spawn")
            self._executors = [
                ProcessPoolExecutor(
                    1,
                    mp_context=context,
                    initializer=_start_worker,
                    initargs=((ring.sealing_keys, ring.hash_keys), generator, places),
                )
                for _ in range(2)
            ]
            self._local: _Worker | None = None
        else:
            self._executors = [ThreadPoolExecutor(1), ThreadPoolExecutor(1)]
            self._local = _Worker(generator, places)

    def __enter__(self) -> _Workers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for executor in self._executors:
            executor.shutdown(wait=True, cancel_futures=True)

    def generate(self, wanted: int) -> asyncio.Future[tuple[Rows, Facts]]:
        """The next chunk's rows and facts, generated in order by one worker."""
        if self._local is None:
            future = self._executors[0].submit(_generate_in_process, wanted)
        else:
            future = self._executors[0].submit(self._local.generate, wanted)
        return asyncio.wrap_future(future)

    def keys(self, facts: Facts) -> asyncio.Future[tuple[bytes, bytes]]:
        """The key rows of a chunk's facts, as COPY text."""
        if self._local is None:
            future = self._executors[1].submit(_key_rows_in_process, facts)
        else:
            future = self._executors[1].submit(self._local.key_rows, facts)
        return asyncio.wrap_future(future)
