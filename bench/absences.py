"""One school submission of 10,000 absence records: matching, upsert and the dropout rule.

A school in the synthetic data gets 2,000 pupils without absences on file (student numbers
assigned as the owner). Each submission is 2,000 pupils × 5 school days of one week, 2% of
rows for unknown pupils, one pupil in ten absent unexcused all week (which opens or updates
a dropout case) and the rest excused or scattered. Each round submits another week, as JSON
(GraphQL, with the school's API key, in process through the ASGI app) and as CSV; then one
batch is resent.

Usage: .venv/bin/python -m bench.absences [--rounds 3]
Uses the field-API benchmark's database (bench/results/field-api-db, created if missing)
unless DATABASE_URL is set.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from app import clock
from app.auth.apikeys import create_api_key
from app.database import create_engine, session_factory
from app.domain.absences import next_school_day
from app.models import Organization
from app.services.statistics.refresh import StatisticsSession
from app.settings import Settings
from app.web.service import create_app
from bench.field_api import run_on_field_api_database

PUPILS = 2_000
DAYS = 5
SUBMIT = """
mutation($batchId: String!, $records: [AbsenceInput!]!) {
  submitAbsences(batchId: $batchId, records: $records) {
    submission { received matched recorded updated unchanged casesOpened casesUpdated replayed
                 unmatched { row reason } }
    errors { code message }
  }
}
"""


async def school_with_pupils(url: str) -> tuple[str, list[str]]:
    """An API key of a school in the busiest synthetic township, and its pupils' numbers."""
    engine = create_engine(url, pool_size=1)
    run = uuid.uuid4().hex[:6]
    async with session_factory(engine, StatisticsSession)() as session, session.begin():
        township = await session.scalar(
            text(
                "SELECT left(area_code, 9) FROM children c WHERE NOT EXISTS "
                "(SELECT 1 FROM absence_records a WHERE a.child_id = c.id) "
                "AND EXISTS (SELECT 1 FROM organizations o WHERE o.kind = 'school' "
                "AND o.area_code LIKE left(c.area_code, 9) || '%') "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
        )
        org = await session.scalar(
            text(
                "SELECT id FROM organizations WHERE kind = 'school' AND area_code LIKE :t || '%' "
                "ORDER BY id LIMIT 1"
            ),
            {"t": township},
        )
        numbers = (
            await session.scalars(
                text(
                    "WITH chosen AS (SELECT id FROM children c WHERE area_code LIKE :t || '%' "
                    "AND NOT EXISTS (SELECT 1 FROM absence_records a WHERE a.child_id = c.id) "
                    "ORDER BY id LIMIT :n) "
                    "UPDATE children c SET school_id = :org, "
                    "student_number = :run || lpad(row_number::text, 6, '0') "
                    "FROM (SELECT id, row_number() OVER () FROM chosen) r "
                    "WHERE c.id = r.id RETURNING c.student_number"
                ),
                {"t": township, "n": PUPILS, "org": org, "run": run},
            )
        ).all()
        if len(numbers) < PUPILS:
            raise SystemExit(f"only {len(numbers)} children without absences in {township}")
        school = await session.get(Organization, org)
        assert school is not None
        _, key = await create_api_key(session, school, f"bench {run}")
    await engine.dispose()
    return key, list(numbers)


def week(weeks_back: int, today: date) -> list[date]:
    """The five school days of the week `weeks_back` weeks before this one."""
    monday = today - timedelta(days=today.weekday() + 7 * weeks_back)
    days = [monday]
    while len(days) < DAYS:
        days.append(next_school_day(days[-1]))
    return days


def records(numbers: list[str], days: list[date]) -> list[dict[str, Any]]:
    """10,000 rows: a truant in ten, scattered and excused absences, 2% unknown pupils."""
    rows: list[dict[str, Any]] = []
    for i, number in enumerate(numbers):
        for j, day in enumerate(days):
            unknown = (i * DAYS + j) % 50 == 0
            rows.append(
                {
                    "studentNumber": f"X{number}" if unknown else number,
                    "date": day.isoformat(),
                    "periods": 6,
                    "excused": i % 10 != 0 and not (i % 10 == 1 and j == 2),
                    "reason": None if i % 10 == 0 else "病假",
                }
            )
    return rows


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    """The same rows as a spreadsheet would export them."""
    lines = ["学籍号,日期,缺课节数,是否请假,原因"]
    lines += [
        f"{r['studentNumber']},{r['date']},{r['periods']},{'是' if r['excused'] else '否'},"
        f"{r['reason'] or ''}"
        for r in rows
    ]
    return ("\n".join(lines) + "\n").encode()


async def run(url: str, rounds: int) -> None:
    """Measure and print."""
    key, numbers = await school_with_pupils(url)
    settings = Settings.model_validate(
        {"DATABASE_URL": url, "rate_limit_per_minute": 0, "daily_job": False}
    )
    app = create_app(settings)
    headers = {"X-API-Key": key}
    today = clock.today()
    run_id = uuid.uuid4().hex[:8]
    json_times: list[float] = []
    csv_times: list[float] = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://b", timeout=120
        ) as http,
    ):
        last: dict[str, Any] = {}
        for n in range(rounds):
            body = records(numbers, week(n + 1, today))
            start = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={
                    "query": SUBMIT,
                    "variables": {"batchId": f"{run_id}-json-{n}", "records": body},
                },
                headers=headers,
            )
            json_times.append(time.perf_counter() - start)
            last = response.json()["data"]["submitAbsences"]
            assert not last["errors"], last
            result = last["submission"]
            print(
                f"  JSON week -{n + 1}: {json_times[-1] * 1000:.0f} ms  received "
                f"{result['received']:,}, recorded {result['recorded']:,}, unmatched "
                f"{len(result['unmatched'])}, cases opened {result['casesOpened']}, "
                f"updated {result['casesUpdated']}"
            )
        for n in range(rounds, 2 * rounds):
            body = records(numbers, week(n + 1, today))
            start = time.perf_counter()
            response = await http.post(
                f"/integrations/absences.csv?batchId={run_id}-csv-{n}",
                content=as_csv(body),
                headers=headers,
            )
            csv_times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
            print(f"  CSV week -{n + 1}: {csv_times[-1] * 1000:.0f} ms")
        body = records(numbers, week(1, today))
        start = time.perf_counter()
        response = await http.post(
            "/graphql",
            json={"query": SUBMIT, "variables": {"batchId": f"{run_id}-json-0", "records": body}},
            headers=headers,
        )
        replay = time.perf_counter() - start
        assert response.json()["data"]["submitAbsences"]["submission"]["replayed"]
    print(
        f"10,000 records per call: JSON p50 {statistics.median(json_times) * 1000:.0f} ms "
        f"(max {max(json_times) * 1000:.0f}), CSV p50 {statistics.median(csv_times) * 1000:.0f} ms "
        f"(max {max(csv_times) * 1000:.0f}), resent batch {replay * 1000:.0f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    """Prepare the database if needed, then measure."""
    run_on_field_api_database((__doc__ or "").splitlines()[0], run, argv, rounds=3)


if __name__ == "__main__":
    main()
