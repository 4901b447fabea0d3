"""Two `shouhu serve` processes on one database behave as one service: an API key's rate is
counted once across them, a deactivated account is refused by both within a second, and the
daily job runs in one of them only."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select, text

from app import clock
from app.auth.apikeys import create_api_key
from app.database import session_factory
from app.enums import OrganizationKind
from app.models import Organization
from app.services.statistics.refresh import StatisticsSession
from tests.conftest import EngineFactory, access_token, within_a_second

STARTUP_SECONDS = 90


@dataclass
class Process:
    """A `shouhu serve` process: its base URL once it listens, and its log lines."""

    process: asyncio.subprocess.Process
    lines: list[dict[str, object]] = field(default_factory=list)
    url: asyncio.Future[str] = field(default_factory=asyncio.Future)

    async def read_log(self) -> None:
        """Collect the process's JSON log lines; note its address when it says it."""
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            with contextlib.suppress(ValueError):
                line = json.loads(raw)
                self.lines.append(line)
                message = str(line.get("message", ""))
                if message.startswith("Uvicorn running on") and not self.url.done():
                    self.url.set_result(message.split()[3])

    def said(self, start: str) -> int:
        """How many log lines begin with `start`."""
        return sum(str(line.get("message", "")).startswith(start) for line in self.lines)


@contextlib.asynccontextmanager
async def serving(url: str, count: int, **settings: str) -> AsyncIterator[list[Process]]:
    """`count` server processes on database `url` (free loopback ports, the tests' pinned
    clock, `settings` as SHOUHU_ variables), each answering /readyz; stopped on exit."""
    env = {
        **os.environ, "DATABASE_URL": url, "SHOUHU_NOW": clock.now().isoformat(),
        "SHOUHU_WEBHOOK_WORKER": "false",
        **{f"SHOUHU_{name.upper()}": value for name, value in settings.items()},
    }  # fmt: skip
    processes: list[Process] = []
    readers = []
    try:
        for _ in range(count):
            started = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", "0",
                env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            processes.append(Process(started))
            readers.append(asyncio.create_task(processes[-1].read_log()))
        async with httpx.AsyncClient() as client:
            for process in processes:
                base = await asyncio.wait_for(process.url, STARTUP_SECONDS)
                assert (await client.get(f"{base}/readyz")).status_code == 200
        yield processes
    finally:
        for process in processes:
            if process.process.returncode is None:
                process.process.terminate()
        for process in processes:
            await asyncio.wait_for(process.process.wait(), 30)
        await asyncio.gather(*readers, return_exceptions=True)


async def test_two_processes_behave_as_one_service(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    async with session_factory(engine, StatisticsSession)() as session, session.begin():
        school = await session.scalar(
            select(Organization).where(Organization.kind == OrganizationKind.SCHOOL).limit(1)
        )
        assert school is not None
        key = (await create_api_key(session, school, "feed"))[1]
        await session.execute(text("DELETE FROM daily_job_runs"))  # today's job is due
    token = await access_token(fresh_db, "demo-village")
    me = {"query": "{ me { username } }"}
    async with (
        serving(
            fresh_db, 2, rate_limit_per_minute="1", rate_limit_burst="3", daily_job="true",
            policy_refresh_seconds="3600", identity_cache_seconds="3600",
        ) as (first, second),
        httpx.AsyncClient() as client,
    ):  # fmt: skip
        bases = [await first.url, await second.url]

        # The key's burst of 3 is spent once, whichever process serves.
        statuses = [
            (
                await client.post(f"{bases[n % 2]}/graphql", json=me, headers={"X-API-Key": key})
            ).status_code
            for n in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]

        # Both processes have verified the token; deactivating the account reaches both.
        bearer = {"Authorization": f"Bearer {token}"}
        for base in bases:
            answer = (await client.post(f"{base}/graphql", json=me, headers=bearer)).json()
            assert answer["data"]["me"]["username"] == "demo-village"
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE users SET is_active = false WHERE username = 'demo-village'")
            )
        for base in bases:

            async def refused(base: str = base) -> bool:
                answer = (await client.post(f"{base}/graphql", json=me, headers=bearer)).json()
                return [e["extensions"]["code"] for e in answer.get("errors", [])] == [
                    "ACCOUNT_INACTIVE"
                ]

            assert await within_a_second(refused)

        # The daily job ran once, in one of them (it logs when it has run).
        ran_line = f"daily job of {clock.today()}: "
        for _ in range(STARTUP_SECONDS * 10):
            if first.said(ran_line) + second.said(ran_line):
                break
            await asyncio.sleep(0.1)
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM daily_job_runs")) == 1
        assert sorted([first.said(ran_line), second.said(ran_line)]) == [0, 1]
