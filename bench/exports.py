"""Exporting a township's children's ledger (issue 16): the time and size of
`GET /exports/children.xlsx?areaCode=<demo township>` for the demo township supervisor.

Demo data plus `--children` synthetic children in Ezhou (4207), in process through the ASGI
app (authorization, row-level security, the audit event and all); the first export warms
caches and is not counted.

Usage: .venv/bin/python -m bench.exports [--children 50000] [--rounds 5]
Uses a throw-away embedded database under bench/results/exports-db unless DATABASE_URL is set
(kept with BENCH_KEEP_DB=1).
"""

from __future__ import annotations

import statistics
import time
import uuid

import httpx
from sqlalchemy import text

from app import clock, migrate
from app.auth.tokens import issue_access_token
from app.database import create_engine
from app.seed.demo import DEMO_TOWNSHIP, seed_demo
from app.seed.synthetic import seed_synthetic
from app.settings import Settings
from app.web.service import create_app
from bench.databases import run_on_throwaway_database


async def setup(url: str, children: int) -> uuid.UUID:
    """Seed; the demo township supervisor's id."""
    engine = create_engine(url, pool_size=2)
    await migrate.upgrade(engine)
    started = time.perf_counter()
    if await seed_demo(engine, today=clock.today()) is not None:
        await seed_synthetic(engine, children=children, seed=1, area="4207", today=clock.today())
    print(f"seed (demo + {children:,} synthetic children): {time.perf_counter() - started:.1f} s")
    async with engine.connect() as conn:
        user = await conn.scalar(text("SELECT id FROM users WHERE username = 'demo-township'"))
    await engine.dispose()
    assert user is not None
    return uuid.UUID(str(user))


async def run(url: str, settings: Settings, children: int, rounds: int) -> None:
    """Seed, then export the township's ledger `rounds` times after a warm-up."""
    user = await setup(url, children)
    app = create_app(Settings.model_validate({"DATABASE_URL": url, "webhook_worker": False}))
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {issue_access_token(user, settings)[0]}"}
    path = f"/exports/children.xlsx?areaCode={DEMO_TOWNSHIP}"
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client,
    ):
        times: list[float] = []
        size = 0
        for round_ in range(rounds + 1):
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            size = len(response.content)
            if round_:  # the first export warms caches
                times.append(elapsed)
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as conn:
        rows = await conn.scalar(
            text(
                "SELECT count(*) FROM children WHERE area_code LIKE :t || '%'"
                " AND deleted_at IS NULL AND status = 'active'"
            ),
            {"t": DEMO_TOWNSHIP},
        )
    await engine.dispose()
    print(f"township {DEMO_TOWNSHIP}: {rows:,} children, xlsx {size / 1024:.0f} KiB")
    print(f"export: median {statistics.median(times):.2f} s, max {max(times):.2f} s")


def main() -> None:
    """Parse arguments, provide a database, run."""
    run_on_throwaway_database(
        "Export of a township's children's ledger.", "exports-db", run, children=50_000, rounds=5
    )


if __name__ == "__main__":
    main()
