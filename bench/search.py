"""Searching children (issue 16): p50/p99 of `children(filter: {search})` for a county-wide
lister and for the demo township supervisor.

Demo data plus `--children` synthetic children in Ezhou (4207, three counties), their search
keys written by the seed's COPY path. No role lists a whole county's children (county civil
affairs reach a child through its case), so the county-wide caller is a township supervisor's
role given the demo county (梁子湖区) as its area: the widest list any caller searches. Each
round sends every query of the mix once, in process through the ASGI app (authorization,
audit and all), first page of 20 with totalCount.

Usage: .venv/bin/python -m bench.search [--children 200000] [--rounds 20]
Uses a throw-away embedded database under bench/results/search-db unless DATABASE_URL is set
(kept with BENCH_KEEP_DB=1).
"""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from app import clock, migrate
from app.auth.tokens import issue_access_token
from app.database import create_engine
from app.enums import Role
from app.idcrypto import unseal
from app.seed.demo import DEMO_COUNTY, seed_demo
from app.seed.synthetic import seed_synthetic
from app.settings import Settings
from app.web.service import create_app
from bench.databases import run_on_throwaway_database

SEARCH = """query($q: String!) { children(filter: {search: $q}, first: 20) {
  totalCount edges { node { id name age } } } }"""


async def setup(url: str, children: int) -> tuple[uuid.UUID, uuid.UUID, dict[str, str]]:
    """Seed, add the county-wide searcher; its id, the township supervisor's, the queries."""
    engine = create_engine(url, pool_size=2)
    await migrate.upgrade(engine)
    started = time.perf_counter()
    if await seed_demo(engine, today=clock.today()) is not None:
        await seed_synthetic(engine, children=children, seed=1, area="4207", today=clock.today())
    print(f"seed (demo + {children:,} synthetic children): {time.perf_counter() - started:.1f} s")
    async with engine.begin() as conn:
        county_user = await conn.scalar(
            text(
                "INSERT INTO users (id, username, display_name, role, area_code)"
                " VALUES (gen_random_uuid(), 'bench-county-search', '县级检索', :role, :area)"
                " ON CONFLICT (username) DO UPDATE SET area_code = EXCLUDED.area_code"
                " RETURNING id"
            ),
            {"role": Role.TOWNSHIP_SUPERVISOR.value, "area": DEMO_COUNTY},
        )
        township_user = await conn.scalar(
            text("SELECT id FROM users WHERE username = 'demo-township'")
        )
        sample = (
            await conn.execute(
                text(
                    "SELECT c.name, c.id_number_enc, c.student_number, p.phone FROM children c"
                    " JOIN parents p ON p.household_id = c.household_id"
                    " WHERE c.area_code LIKE :county || '%' AND c.id_number_enc IS NOT NULL"
                    " AND p.phone IS NOT NULL ORDER BY c.id LIMIT 1"
                ),
                {"county": DEMO_COUNTY},
            )
        ).one()
        counted = await conn.scalar(
            text("SELECT count(*) FROM children WHERE area_code LIKE :county || '%'"),
            {"county": DEMO_COUNTY},
        )
    await engine.dispose()
    print(f"children in the county searched: {counted:,}")
    name, sealed, _student, phone = sample
    id_number = unseal(sealed, "children.id_number")
    queries = {
        "name (exact)": name,
        "surname 王": "王",
        "traditional 張": "張",
        "name part 明": "明",
        "pinyin wang": "wang",
        "pinyin zhangwei": "zhangwei",
        "initials wxm": "wxm",
        "ID number": id_number,
        "ID last 6": id_number[-6:],
        "phone": phone,
        "phone last 4": phone[-4:],
    }
    assert county_user is not None and township_user is not None
    return county_user, township_user, queries


async def run(url: str, settings: Settings, children: int, rounds: int) -> None:
    """Seed, then time every query of the mix `rounds` times for each caller."""
    county_user, township_user, queries = await setup(url, children)
    app = create_app(Settings.model_validate({"DATABASE_URL": url, "webhook_worker": False}))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        for label, user in (("county-wide", county_user), ("township", township_user)):
            token = issue_access_token(user, settings)[0]
            headers = {"Authorization": f"Bearer {token}"}
            times: dict[str, list[float]] = {kind: [] for kind in queries}
            totals: dict[str, Any] = {}
            for round_ in range(rounds + 1):
                for kind, query in queries.items():
                    started = time.perf_counter()
                    response = await client.post(
                        "/graphql", json={"query": SEARCH, "variables": {"q": query}},
                        headers=headers,
                    )  # fmt: skip
                    elapsed = (time.perf_counter() - started) * 1000
                    body = response.json()
                    assert "errors" not in body, body
                    totals[kind] = body["data"]["children"]["totalCount"]
                    if round_:  # the first round warms caches
                        times[kind].append(elapsed)
            every = sorted(t for kind_times in times.values() for t in kind_times)
            print(f"\n{label}: {len(every)} searches")
            print(f"{'query':<20} {'matches':>8} {'p50 ms':>8} {'p99 ms':>8}")
            for kind, kind_times in times.items():
                kind_times.sort()
                p99 = kind_times[min(len(kind_times) - 1, int(len(kind_times) * 0.99))]
                print(
                    f"{kind:<20} {totals[kind]:>8} {statistics.median(kind_times):>8.1f}"
                    f" {p99:>8.1f}"
                )
            p99 = every[min(len(every) - 1, int(len(every) * 0.99))]
            print(f"{'all':<20} {'':>8} {statistics.median(every):>8.1f} {p99:>8.1f}")


def main() -> None:
    """Parse arguments, provide a database, run."""
    run_on_throwaway_database(
        "Search of children: p50/p99.", "search-db", run, children=200_000, rounds=20
    )


if __name__ == "__main__":
    main()
