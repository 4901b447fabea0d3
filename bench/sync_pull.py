"""Delta pull of a village: the initial sync and an increment of 10 changes.

Demo data plus 100,000 synthetic children (Ezhou: about 280 per village); the director of the
synthetic village nearest 200 children pulls with the app's SyncPull document (pages of 500),
in process through the ASGI app with gzip. Reports time and the bytes on the wire (gzip) and
uncompressed.

Usage: .venv/bin/python -m bench.sync_pull [--children 100000] [--rounds 5]
Uses the field-API benchmark's database (bench/results/field-api-db) unless DATABASE_URL is
set, and creates it if it is missing.
"""

from __future__ import annotations

import base64
import statistics
import time
import uuid

import httpx
from sqlalchemy import text

from app import clock
from app.auth.tokens import issue_access_token
from app.database import create_engine
from app.mobile_contract import CONTRACT_DIR, document_id
from app.settings import Settings
from app.web.service import create_app
from bench.field_api import RECORD_VISIT, run_on_field_api_database

PULL = document_id((CONTRACT_DIR / "operations" / "SyncPull.graphql").read_text())


async def director_of_a_village(url: str) -> tuple[uuid.UUID, str, list[str], int]:
    """The synthetic village nearest 200 children: its director, code, children, count."""
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as conn:
        village, count = (await conn.execute(text(
            "SELECT area_code, count(*) FROM children GROUP BY area_code "
            "ORDER BY abs(count(*) - 200), area_code LIMIT 1"
        ))).one()  # fmt: skip
        user_id = await conn.scalar(
            text("SELECT id FROM users WHERE area_code = :v AND role = 'village_director'"),
            {"v": village},
        )
        children = (
            await conn.scalars(
                text("SELECT id::text FROM children WHERE area_code = :v"), {"v": village}
            )
        ).all()
    await engine.dispose()
    ids = [base64.b64encode(f"Child:{c}".encode()).decode() for c in children]
    return user_id, village, ids, count


async def pull(
    http: httpx.AsyncClient, headers: dict[str, str], since: str | None
) -> tuple[str, int, int, int, float]:
    """Pull to the end: cursor, rows, wire bytes, raw bytes, seconds."""
    start = time.perf_counter()
    rows = wire = raw = 0
    while True:
        response = await http.post(
            "/graphql",
            json={"documentId": PULL, "variables": {"since": since, "first": 500}},
            headers=headers,
        )
        wire += response.num_bytes_downloaded
        raw += len(response.content)
        page = response.json()["data"]["syncPull"]
        rows += sum(len(v) for v in page.values() if isinstance(v, list))
        since = page["cursor"]
        if not page["hasMore"]:
            assert since is not None
            return since, rows, wire, raw, time.perf_counter() - start


async def run(url: str, rounds: int) -> None:
    """Measure and print."""
    user_id, village, children, count = await director_of_a_village(url)
    settings = Settings.model_validate({"DATABASE_URL": url, "daily_job": False})
    token = issue_access_token(user_id, settings, ttl=3600)[0]
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as http,
    ):
        await pull(http, headers, None)  # warm caches
        initial = [await pull(http, headers, None) for _ in range(rounds)]
        cursor, rows, wire, raw, _seconds = initial[-1]
        print(f"village {village}: {count} children")
        print(
            f"  initial pull: {rows:,} records, p50 "
            f"{statistics.median(r[4] for r in initial) * 1000:.0f} ms, "
            f"{wire / 1024:.0f} KiB gzip ({raw / 1024:.0f} KiB uncompressed)"
        )
        increments = []
        for _ in range(rounds):
            for child in children[:10]:
                visit = {
                    "id": str(uuid.uuid4()), "childId": child,
                    "visitedAt": clock.now().isoformat(), "kind": "ROUTINE",
                    "livingConditions": "GOOD", "guardianship": "GOOD", "schooling": "GOOD",
                    "health": "GOOD", "mentalState": "GOOD",
                }  # fmt: skip
                await http.post(
                    "/graphql",
                    json={"query": RECORD_VISIT, "variables": {"input": visit}},
                    headers=headers,
                )
            result = await pull(http, headers, cursor)
            cursor = result[0]
            increments.append(result)
        _c, rows, wire, raw, _s = increments[-1]
        print(
            f"  incremental pull after 10 visits: {rows} records, p50 "
            f"{statistics.median(r[4] for r in increments) * 1000:.0f} ms, "
            f"{wire:,} bytes gzip ({raw:,} uncompressed)"
        )


def main(argv: list[str] | None = None) -> None:
    """Prepare the database if needed, then measure."""
    run_on_field_api_database((__doc__ or "").splitlines()[0], run, argv, rounds=5)


if __name__ == "__main__":
    main()
