"""The date-sensitive rules at awkward moments: quarter and year ends, a leap day, late evening.

For each moment the clock is pinned there, the demo is seeded as of that day, and the rules
that depend on "today" are exercised through the service and the command line: derivation
agrees with the seed, a visit recorded now is today's and schedules the next one from today,
the statistics quarter is the local quarter, a report's deadline runs from now, and a school
may report today's absence. Between 00:00 and 08:00 in China the UTC day is still yesterday,
and at 23:30 the UTC day is the same but a server on UTC would already be 8 hours "behind";
both are here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
import time_machine
from httpx import AsyncClient
from sqlalchemy import text

from app import clock, migrate
from app.database import create_engine, session_factory
from app.domain.quarters import quarter_label, quarter_start
from app.domain.schedule import next_visit_due
from app.progress import SilentReporter
from app.seed.demo import DEMO_VILLAGE, seed_demo
from app.services.derivation import refresh_all_children
from app.services.statistics.refresh import StatisticsSession
from tests.command import shouhu
from tests.conftest import access_token, create_database, drop_database, service_client
from tests.graphql import gid, query_data
from tests.world import api_key_of

CHINA = ZoneInfo("Asia/Shanghai")
MOMENTS = [
    datetime(2027, 3, 31, 23, 30, tzinfo=CHINA),  # last evening of a quarter
    datetime(2027, 4, 1, 0, 30, tzinfo=CHINA),  # a new quarter in China, the old one in UTC
    datetime(2027, 9, 30, 10, 0, tzinfo=CHINA),  # September's risk assessments, quarter end
    datetime(2026, 12, 31, 23, 30, tzinfo=CHINA),  # the year's last evening
    datetime(2028, 2, 29, 7, 45, tzinfo=CHINA),  # a leap day, still 28 February in UTC
]


@dataclass
class Moment:
    """A demo database seeded on the day of `at`, with the clock pinned at `at`."""

    at: datetime
    url: str

    @property
    def today(self) -> date:
        return self.at.date()


@pytest.fixture(scope="module", params=MOMENTS, ids=lambda m: m.strftime("%Y-%m-%dT%H:%M"))
def pinned(request: pytest.FixtureRequest) -> Iterator[datetime]:
    """The clock at this moment (and running on) for the module's tests of that moment."""
    moment: datetime = request.param
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def moment(pinned: datetime, server_url: str) -> AsyncIterator[Moment]:
    """A database seeded as of the pinned day (shared by the moment's tests)."""
    url = await create_database(server_url)
    engine = create_engine(url, pool_size=1)
    await migrate.upgrade(engine)
    await seed_demo(engine, today=clock.today())
    await engine.dispose()
    yield Moment(pinned, url)
    await drop_database(server_url, url)


@pytest_asyncio.fixture(loop_scope="session")
async def client(moment: Moment) -> AsyncIterator[AsyncClient]:
    async for service in service_client(moment.url):
        yield service


async def _child(url: str) -> tuple[str, bool, date | None]:
    """A child of the demo village: its id, whether it is a key child, and the day of its
    last risk assessment."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT id, is_key_child, (SELECT max(visited_at)::date FROM visits v "
                        "WHERE v.child_id = c.id AND v.kind = 'risk_assessment') AS risk "
                        "FROM children c WHERE area_code = :v AND status = 'active' "
                        "ORDER BY name LIMIT 1"
                    ),
                    {"v": DEMO_VILLAGE},
                )
            ).one()
    finally:
        await engine.dispose()
    return str(row.id), bool(row.is_key_child), row.risk


async def test_today_is_the_local_day(moment: Moment) -> None:
    assert clock.today() == moment.today
    assert clock.now().utcoffset() == timedelta(hours=8)


async def test_derive_agrees_with_the_seed(moment: Moment) -> None:
    engine = create_engine(moment.url, pool_size=1)
    try:
        assert await refresh_all_children(engine, clock.today(), SilentReporter()) == 0
    finally:
        await engine.dispose()
    # The command line runs on the same clock (SHOUHU_NOW): nothing to change there either.
    result = shouhu(moment.url, "derive")
    assert result.returncode == 0, result.stderr
    assert "0 children had derived facts to update" in result.stderr


async def test_a_visit_now_is_todays(moment: Moment, client: AsyncClient) -> None:
    child, key_child, risk_assessed = await _child(moment.url)
    token = await access_token(moment.url, "demo-village")
    data = await query_data(
        client,
        token,
        """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
             errors { code field } } }""",
        input={
            "childId": gid("Child", child), "visitedAt": clock.now().isoformat(),
            "kind": "ROUTINE", "livingConditions": "GOOD", "guardianship": "GOOD",
            "schooling": "GOOD", "health": "GOOD", "mentalState": "GOOD",
        },
    )  # fmt: skip
    assert data["recordVisit"]["errors"] == []
    visited = (
        await query_data(
            client, token, "query($id: ID!) { child(id: $id) { lastVisitAt nextVisitDue } }",
            id=gid("Child", child),
        )
    )["child"]  # fmt: skip
    assert clock.local_day(datetime.fromisoformat(visited["lastVisitAt"])) == moment.today
    expected = next_visit_due(moment.today, risk_assessed, key_child, moment.today).due
    assert visited["nextVisitDue"] == expected.isoformat()


async def test_statistics_are_of_the_local_quarter(moment: Moment, client: AsyncClient) -> None:
    token = await access_token(moment.url, "demo-township")
    data = await query_data(
        client, token, '{ areaStatistics(areaCode: "420702100") { quarter quarterStart asOf } }'
    )
    report = data["areaStatistics"]
    assert report["asOf"] == moment.today.isoformat()
    assert report["quarter"] == quarter_label(moment.today)
    assert report["quarterStart"] == quarter_start(moment.today).isoformat()


async def test_a_report_is_due_a_day_from_now(moment: Moment, client: AsyncClient) -> None:
    child, _, _ = await _child(moment.url)
    token = await access_token(moment.url, "demo-village")
    before = clock.now()
    data = await query_data(
        client,
        token,
        """mutation($input: ReportConcernInput!) { reportConcern(input: $input) {
             errors { code } case { id dueAt overdue } } }""",
        input={
            "childId": gid("Child", child),
            "category": "SUSPECTED_ABUSE_OR_INJURY",
            "description": "孩子身上多处淤青。",
        },
    )
    case = data["reportConcern"]["case"]
    assert case is not None and case["overdue"] is False
    due = datetime.fromisoformat(case["dueAt"])
    assert before + timedelta(hours=24) <= due <= clock.now() + timedelta(hours=24)
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        # A day later the morning's access token has long expired: a new login.
        token = await access_token(moment.url, "demo-village")
        later = await query_data(
            client, token, "query($id: ID!) { node(id: $id) { ... on Case { overdue } } }",
            id=case["id"],
        )  # fmt: skip
    assert later["node"] == {"overdue": True}


async def test_a_school_reports_todays_absence(moment: Moment, client: AsyncClient) -> None:
    engine = create_engine(moment.url, pool_size=1)
    try:
        async with session_factory(engine, StatisticsSession)() as session, session.begin():
            org, key = await api_key_of(session, "demo-school", "moments")
            pupil = await session.scalar(
                text(
                    "SELECT student_number FROM children WHERE school_id = :org "
                    "AND student_number IS NOT NULL LIMIT 1"
                ),
                {"org": org.id},
            )
    finally:
        await engine.dispose()
    response = await client.post(
        "/graphql",
        json={
            "query": """mutation($records: [AbsenceInput!]!) {
                submitAbsences(batchId: "today", records: $records) {
                  errors { code } submission { recorded unmatched { reason } } } }""",
            "variables": {
                "records": [
                    {"studentNumber": pupil, "date": moment.today.isoformat(), "excused": True}
                ]
            },
        },
        headers={"X-API-Key": key},
    )
    payload = response.json()["data"]["submitAbsences"]
    assert payload["errors"] == []
    assert payload["submission"] == {"recorded": 1, "unmatched": []}
