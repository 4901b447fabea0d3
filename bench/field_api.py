"""The field worker's API under load: caseload page, child detail, recordVisit.

Demo data plus 100,000 synthetic children (Ezhou), the demo village director's token,
authorization on. The server runs as the README deploys it (`shouhu serve --workers N`:
uvicorn with uvloop and httptools, orjson responses); 16 concurrent clients (asyncio + httpx,
on the same machine: the load generator takes CPU from the server, as it would not in
production) send one scenario at a time for `--seconds`. Also counts the SQL statements of
each scenario in process, and profiles the caseload request (cProfile, top functions).

Usage: .venv/bin/python -m bench.field_api [--workers 2] [--seconds 20] [--clients 16]
Uses a throw-away embedded database under bench/results/ unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text

from app import clock, migrate
from app.auth.tokens import issue_access_token
from app.database import counting_statements, create_engine, database_url, libpq_url
from app.models import User
from app.seed.demo import DEMO_VILLAGE, seed_demo
from app.seed.synthetic import seed_synthetic
from app.settings import Settings
from app.web.service import create_app

CASELOAD = """query Caseload { children(first: 50) { totalCount edges { node {
  id name age categories isKeyChild nextVisitDue visitOverdue
  household { address parents { name status workPlace contactFrequency } }
  activeGuardian { guardianName relation capacity confirmedAt }
  lastVisit { visitedAt kind } openCaseCount } } pageInfo { hasNextPage endCursor } } }"""
CHILD_DETAIL = """query Child($id: ID!) { child(id: $id) {
  id name gender birthDate age idNumber categories isKeyChild keyChildReasons livingArrangement
  schoolStatus disability seriousIllness hasConfirmedGuardian nextVisitDue version
  household { address phone minimumAllowance parents { name status phone workPlace
    awaySince contactFrequency lastContactOn } }
  activeGuardian { guardianName relation phone capacity agreementSigned confirmedAt }
  guardianships { guardianName startsOn endsOn status }
  visits(first: 10) { totalCount edges { node { visitedAt kind livingConditions guardianship
    schooling health mentalState risksFound notes } } }
  openCases { stage category reportedAt dueAt overdue nextActions } } }"""
RECORD_VISIT = """mutation Visit($input: RecordVisitInput!) { recordVisit(input: $input) {
  visit { id nextVisitDue } errors { code message } } }"""


def visit_input(child_id: str) -> dict[str, Any]:
    """A visit with a fresh client id (each request a new visit)."""
    return {
        "id": str(uuid.uuid4()), "childId": child_id,
        "visitedAt": clock.now().isoformat(), "kind": "ROUTINE",
        "livingConditions": "GOOD", "guardianship": "FAIR", "schooling": "GOOD",
        "health": "GOOD", "mentalState": "GOOD", "notes": "benchmark",
    }  # fmt: skip


async def prepare(url: str, children: int) -> None:
    """Migrate and seed once per database."""
    engine = create_engine(url, pool_size=2)
    await migrate.upgrade(engine)
    if await seed_demo(engine, today=clock.today()) is not None:
        await seed_synthetic(engine, children=children, seed=1, area="4207", today=clock.today())
    await engine.dispose()


def run_on_field_api_database(
    description: str,
    run: Callable[[str, int], Coroutine[Any, Any, None]],
    argv: list[str] | None,
    *,
    rounds: int,
) -> None:
    """The command line of the benchmarks that share this benchmark's database
    (bench/results/field-api-db unless DATABASE_URL is set): seed it if needed, then run."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=rounds)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        os.environ["SHOUHU_DATA_DIR"] = str(Path("bench/results/field-api-db"))
    with database_url(Settings()) as url:
        asyncio.run(prepare(url, args.children))
        asyncio.run(run(url, args.rounds))


async def village_user(url: str) -> tuple[uuid.UUID, list[str]]:
    """The demo village director's id and the global ids of some of its children."""
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as conn:
        user_id = await conn.scalar(select(User.id).where(User.username == "demo-village"))
        ids = (
            await conn.scalars(
                text("SELECT id::text FROM children WHERE area_code = :v LIMIT 40"),
                {"v": DEMO_VILLAGE},
            )
        ).all()
    await engine.dispose()
    assert user_id is not None
    import base64

    return user_id, [base64.b64encode(f"Child:{i}".encode()).decode() for i in ids]


Scenario = Callable[[int], dict[str, Any]]


def scenarios(children: list[str]) -> dict[str, Scenario]:
    """Each scenario: request number → GraphQL request body."""
    return {
        "caseload page (50 children)": lambda n: {"query": CASELOAD},
        "child detail": lambda n: {
            "query": CHILD_DETAIL,
            "variables": {"id": children[n % len(children)]},
        },
        "recordVisit": lambda n: {
            "query": RECORD_VISIT,
            "variables": {"input": visit_input(children[n % len(children)])},
        },
    }


async def load(
    base: str, token: str, body: Scenario, clients: int, seconds: float
) -> tuple[int, list[float], int]:
    """Requests done, their latencies, and failures, for `clients` clients over `seconds`."""
    latencies: list[float] = []
    failures = 0
    counter = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def client() -> None:
        nonlocal failures, counter
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            while time.perf_counter() < deadline:
                counter += 1
                start = time.perf_counter()
                response = await http.post("/graphql", json=body(counter))
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200 or "errors" in response.json():
                    failures += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return len(latencies), latencies, failures


async def statements_and_profile(url: str, token: str, children: list[str]) -> None:
    """SQL statements per request of each scenario, and where a caseload request's time goes."""
    app = create_app(Settings.model_validate({"DATABASE_URL": url, "daily_job": False}))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as http,
    ):
        headers = {"Authorization": f"Bearer {token}"}
        for name, body in scenarios(children).items():
            await http.post("/graphql", json=body(0), headers=headers)  # warm caches
            with counting_statements(app.state.engine) as statements:
                await http.post("/graphql", json=body(1), headers=headers)
            print(f"  {name:<30} {len(statements)} SQL statements per request")
        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(100):
            await http.post("/graphql", json=scenarios(children)["caseload page (50 children)"](n),
                            headers=headers)  # fmt: skip
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    print("\nProfile of 100 caseload requests in process (top 15 by own time):")
    print("\n".join(line for line in out.getvalue().splitlines()[4:30] if line.strip()))


def main() -> None:
    """Prepare, serve, load, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    data_dir = Path("bench/results/field-api-db")
    if not os.environ.get("DATABASE_URL"):
        os.environ["SHOUHU_DATA_DIR"] = str(data_dir)
    with database_url(Settings()) as url:
        asyncio.run(prepare(url, args.children))
        user_id, children = asyncio.run(village_user(url))
        settings = Settings.model_validate({"DATABASE_URL": url})
        token = issue_access_token(user_id, settings, ttl=3600)[0]
        print(f"{len(children)} children of {DEMO_VILLAGE} sampled; statements per request:")
        asyncio.run(statements_and_profile(url, token, children))
        env = {**os.environ, "DATABASE_URL": libpq_url(url), "SHOUHU_SEED_DEMO": "false",
               "SHOUHU_LOG_LEVEL": "WARNING"}  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--workers", str(args.workers),
             "--port", str(args.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{args.port}"
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.3)
            print(f"\n{args.clients} clients, {args.workers} workers, {args.seconds:.0f} s each:")
            for name, body in scenarios(children).items():
                done, latencies, failures = asyncio.run(
                    load(base, token, body, args.clients, args.seconds)
                )
                ordered = sorted(latencies)
                print(
                    f"  {name:<30} {done / args.seconds:7.1f} req/s   "
                    f"p50 {statistics.median(ordered) * 1000:6.1f} ms   "
                    f"p99 {ordered[int(len(ordered) * 0.99)] * 1000:6.1f} ms   "
                    f"failures {failures}"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    if not os.environ.get("DATABASE_URL") and os.environ.get("BENCH_KEEP_DB") != "1":
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
