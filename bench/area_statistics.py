"""Area statistics on a synthetic province of 1,000,000 children: load, rollup, requests.

Makes a throw-away embedded database (unless DATABASE_URL is set: then that database is
written to!) with the national areas, the demo data and `--children` synthetic children in
Hubei (42), then times:
- the synthetic seed (its rollup fill included) and the rollup fill alone, run again;
- `areaStatistics` of a county (the demo county, as demo-county) and of the province (as a
  province user), as whole GraphQL requests in process, and their SQL alone (the two
  statements of app/store/statistics.py through the caller's scoped session).

Usage: .venv/bin/python -m bench.area_statistics [--children 1000000] [--rounds 200]
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock, migrate
from app.areas import import_areas
from app.auth.identity import Identity
from app.auth.tokens import issue_access_token
from app.database import app_role_url, create_engine
from app.domain.measures import TREND_QUARTERS
from app.domain.quarters import last_quarters
from app.enums import Role
from app.models import Child, User
from app.progress import SilentReporter
from app.seed.demo import DEMO_COUNTY, seed_demo
from app.seed.synthetic import seed_synthetic
from app.services.statistics.history import fill_statistics
from app.settings import Settings
from app.store.statistics import chain_sums
from app.web.service import create_app
from authz.enforcer import build_enforcer, default_rules
from authz.principal import principal_for
from authz.scope import compile_scope
from authz.session import scoped_sessions
from authz.statistics import statistics_access
from bench.databases import run_on_throwaway_database

PROVINCE = "42"
QUERY = """
query($area: String!) { areaStatistics(areaCode: $area) {
  quarter total { children leftBehind keyChildren visited visitCoverage suppressed
    openCasesByStage { stage count } reportsBySource { source count } }
  rows(first: 100) { totalCount edges { node { areaCode areaName children leftBehind
    keyChildren livingAlone leftBehindWithoutGuardian visited visitCoverage visitsOverdue
    openCasesByStage { stage count } casesOverdue dropoutCases
    reportsBySource { source count } absenceDays suppressed } } }
  trend { quarter children leftBehind keyChildren visited visitsOverdue casesOverdue } } }
"""


def summarize(samples: list[float]) -> str:
    """Median and 99th percentile in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms, p99 {p99 * 1000:7.1f} ms"


async def timed(rounds: int, action: Callable[[], Awaitable[object]]) -> list[float]:
    """Run `action` `rounds` times after a warm-up; the duration of each run."""
    for _ in range(5):
        await action()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - start)
    return samples


async def prepare(engine: AsyncEngine, children: int) -> None:
    """Migrate, load the country's areas, the demo and the synthetic province (once)."""
    await migrate.upgrade(engine)
    async with engine.connect() as conn:
        loaded = await conn.scalar(select(func.count()).select_from(Child))
    if loaded:
        return
    start = time.perf_counter()
    summary = await import_areas(engine, None, SilentReporter())
    print(f"areas: {summary.rows:,} in {time.perf_counter() - start:.1f} s")
    await seed_demo(engine, today=clock.today())
    start = time.perf_counter()
    await seed_synthetic(engine, children=children, seed=1, area=PROVINCE, today=clock.today())
    print(f"seed synthetic {children:,} (rollup fill included): "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(
            insert(User).values(
                id=uuid.uuid4(), username="bench-province", display_name="湖北省民政厅",
                role=Role.PROVINCE, area_code=PROVINCE, password_hash="!",
            )
        )  # fmt: skip


async def fill_again(engine: AsyncEngine) -> None:
    """Time the rollup fill alone (it rewrites the same rows)."""
    start = time.perf_counter()
    async with engine.begin() as conn:
        rows = await fill_statistics(conn, clock.now())
    print(f"rollup fill alone: {rows:,} rows in {time.perf_counter() - start:.1f} s")


async def measure(
    user: Any, area: str, rounds: int, client: AsyncClient, app_engine: AsyncEngine
) -> None:
    """Print the figures of one caller and area."""
    settings = Settings()
    token = issue_access_token(user.id, settings)[0]
    enforcer = build_enforcer(default_rules())
    identity = Identity(
        kind="user", user_id=user.id, api_key_id=None, username=user.username, role=user.role,
        area_code=user.area_code, organization_id=user.organization_id,
        label=f"user:{user.username}",
    )  # fmt: skip
    scope = compile_scope(principal_for(identity, enforcer), enforcer)
    access = statistics_access(scope, area)
    assert access is not None
    sessions = scoped_sessions(app_engine, scope, clock.today())
    quarters = last_quarters(clock.today(), TREND_QUARTERS)

    async def sql_alone() -> None:
        async with sessions() as session:
            await chain_sums(session, access.chain, quarters[-1], quarters[:-1])

    async def request() -> None:
        response = await client.post(
            "/graphql",
            json={"query": QUERY, "variables": {"area": area}},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body

    async with sessions() as session:
        sums = await chain_sums(session, access.chain, quarters[-1], quarters[:-1])
    under = sum(
        counts.get("children", 0) for counts in sums.sums.get((quarters[-1], area), {}).values()
    )
    print(f"\n{user.username} ({user.role}) area {area}: {under:,} children")
    print(f"  SQL alone (set_config, areas, sums)  {summarize(await timed(rounds, sql_alone))}")
    print(f"  whole GraphQL request            {summarize(await timed(rounds, request))}")


async def run(url: str, settings: Settings, children: int, rounds: int) -> None:
    """Prepare the database, then measure and print the figures."""
    owner = create_engine(url, pool_size=2)
    app_engine = create_engine(app_role_url(url, settings), pool_size=4)
    await prepare(owner, children)
    await fill_again(owner)
    async with owner.connect() as conn:
        users = {
            u.username: u
            for u in (
                await conn.execute(
                    select(User).where(User.username.in_(["demo-county", "bench-province"]))
                )
            ).all()
        }
    app = create_app(settings.model_copy(update={"database_url": url}))
    client = AsyncClient(transport=ASGITransport(app=app), base_url="http://bench")
    async with app.router.lifespan_context(app):
        await measure(users["demo-county"], DEMO_COUNTY, rounds, client, app_engine)
        await measure(users["bench-province"], PROVINCE, rounds, client, app_engine)
    await client.aclose()
    await owner.dispose()
    await app_engine.dispose()


def main() -> None:
    """Parse arguments, provide a database, run."""
    run_on_throwaway_database(
        __doc__.splitlines()[0], "statistics-db", run, children=1_000_000, rounds=200
    )


if __name__ == "__main__":
    main()
