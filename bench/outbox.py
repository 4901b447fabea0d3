"""The outbox's cost per write, and the webhook worker's delivery throughput.

1. Per write: `reportConcern` through the whole service (in-process ASGI: authentication,
   the write, its audit event, the statistics refresh, and the outbox event in the same
   transaction), as the demo township's supervisor, each time about another child; the same
   number of writes with `emit` replaced by a no-op, alternating, so both see the same
   database. The difference of the medians is what the outbox adds to a write.
2. Throughput: EVENTS events of the demo county put in the outbox at once, one subscriber,
   a local receiver (uvicorn in a process of its own, answering 200 at once); one worker
   process delivers them all (fan-out, claims, signed POSTs, bookkeeping), for two batch
   sizes.

Usage: .venv/bin/python -m bench.outbox [--children 2000] [--rounds 500]
(`--rounds` writes each way; the throughput run sends 10 × rounds events.)
Uses a throw-away embedded database under bench/results/ unless DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import sys
import time
import uuid
from typing import Any

import httpx
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock, migrate
from app.auth.tokens import issue_access_token
from app.database import create_engine, session_factory
from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, seed_demo
from app.seed.synthetic import seed_synthetic
from app.services import outbox
from app.services.statistics.refresh import StatisticsSession
from app.services.webhooks.delivery import deliver_due, delivery_client
from app.services.webhooks.subscribers import add_subscriber
from app.settings import Settings
from app.web.service import create_app
from bench.authz_overhead import summarize
from bench.databases import run_on_throwaway_database

REPORT = """
mutation($input: ReportConcernInput!) {
  reportConcern(input: $input) { case { id } errors { code } }
}
"""
RECEIVER = """
import sys
import uvicorn

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error")
"""


async def prepare(engine: AsyncEngine, children: int) -> None:
    """Migrate, seed the demo and synthetic children in the demo township (once)."""
    await migrate.upgrade(engine)
    if await seed_demo(engine, today=clock.today()) is not None:
        await seed_synthetic(engine, children=children, seed=1, area=DEMO_TOWNSHIP,
                             today=clock.today())  # fmt: skip


async def _no_emit(*args: Any, **kwargs: Any) -> uuid.UUID:
    return uuid.uuid4()


async def per_write(url: str, settings: Settings, engine: AsyncEngine, rounds: int) -> None:
    """Time reportConcern with and without the outbox event."""
    async with engine.connect() as conn:
        user_id = await conn.scalar(text("SELECT id FROM users WHERE username = 'demo-township'"))
        children = list(
            (
                await conn.scalars(
                    text(
                        "SELECT id FROM children WHERE area_code LIKE :township || '%' "
                        "AND status = 'active' AND id NOT IN (SELECT child_id FROM cases "
                        "WHERE closed_at IS NULL AND category = 'other') ORDER BY id LIMIT :n"
                    ),
                    {"township": DEMO_TOWNSHIP, "n": 2 * rounds + 20},
                )
            ).all()
        )
    if len(children) < 2 * rounds + 20:
        raise SystemExit(f"{len(children)} children to report on: give more --children")
    token = issue_access_token(user_id, settings)[0]
    app = create_app(settings.model_copy(update={"database_url": url, "webhook_worker": False}))
    emit = outbox.emit
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client,
    ):

        async def report(child_id: uuid.UUID) -> float:
            fields = {"childId": _gid(child_id), "category": "OTHER", "description": "测试"}
            start = time.perf_counter()
            response = await client.post(
                "/graphql",
                json={"query": REPORT, "variables": {"input": fields}},
                headers={"Authorization": f"Bearer {token}"},
            )
            elapsed = time.perf_counter() - start
            assert response.json()["data"]["reportConcern"]["errors"] == [], response.text
            return elapsed

        for child_id in children[:20]:  # warm-up
            await report(child_id)
        with_outbox: list[float] = []
        without: list[float] = []
        for index, child_id in enumerate(children[20:]):
            outbox.emit = emit if index % 2 == 0 else _no_emit
            (with_outbox if index % 2 == 0 else without).append(await report(child_id))
        outbox.emit = emit
    print(f"\nreportConcern, {rounds} writes each way (in-process request)")
    print(f"  with the outbox event     {summarize(with_outbox)}")
    print(f"  without (emit a no-op)    {summarize(without)}")
    added = sorted(with_outbox)[len(with_outbox) // 2] - sorted(without)[len(without) // 2]
    print(f"  added by the outbox (p50) {added * 1000:+.2f} ms")


def _gid(child_id: uuid.UUID) -> str:
    return base64.b64encode(f"Child:{child_id}".encode()).decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def throughput(settings: Settings, engine: AsyncEngine, events: int) -> None:
    """Deliver `events` events to a local receiver, for two batch sizes."""
    port = _free_port()
    receiver = await asyncio.create_subprocess_exec(sys.executable, "-c", RECEIVER, str(port))
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(100):
                try:
                    await probe.get(f"http://127.0.0.1:{port}/")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        async with session_factory(engine, StatisticsSession)() as session, session.begin():
            await add_subscriber(
                session,
                {"area_code": DEMO_COUNTY, "name": "bench", "url": f"http://127.0.0.1:{port}/"},
                clock.now(),
            )
        print(f"\nworker throughput, {events:,} events to one local receiver (one process)")
        for batch in (50, 200):
            configured = settings.model_copy(update={"webhook_batch_size": batch})
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO outbox_events (id, kind, area_code, occurred_at, payload) "
                        "SELECT gen_random_uuid(), 'case_reported', :village, now(), "
                        "jsonb_build_object('case', jsonb_build_object('id', gen_random_uuid(), "
                        "'caseNumber', '420702-2026-' || g, 'category', 'other', "
                        "'stage', 'reported', 'reportedToPolice', false)) "
                        "FROM generate_series(1, :n) g"
                    ),
                    {"village": DEMO_TOWNSHIP + "201", "n": events},
                )
            start = time.perf_counter()
            async with delivery_client(configured) as client:
                while await deliver_due(engine, client, configured):
                    pass
            elapsed = time.perf_counter() - start
            async with engine.connect() as conn:
                pending = await conn.scalar(
                    text("SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")
                )
            print(
                f"  batch {batch:>3}: {events:,} delivered in {elapsed:.1f} s = "
                f"{events / elapsed:,.0f} deliveries/s ({pending} not delivered)"
            )
    finally:
        receiver.terminate()
        await receiver.wait()


async def run(url: str, settings: Settings, children: int, rounds: int) -> None:
    """Measure and print the figures."""
    engine = create_engine(url, pool_size=4)
    try:
        await prepare(engine, children)
        await per_write(url, settings, engine, rounds)
        await throughput(settings, engine, 10 * rounds)
    finally:
        await engine.dispose()


def main() -> None:
    """Parse arguments, provide a database, run."""
    run_on_throwaway_database(__doc__.splitlines()[0], "outbox-db", run, children=2000, rounds=500)


if __name__ == "__main__":
    main()
