"""Reports (searches, statistics) read a streaming replica while it is fresh enough, the
primary otherwise; writes and other reads never go to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from httpx import AsyncClient

from app.seed.demo import DEMO_VILLAGE
from tests import factories
from tests.conftest import access_token, service_client
from tests.graphql import query_data
from tests.replica import Replica, streaming_replica

NAME = "欧阳晓复"
SEARCH = "query($q: String!) { children(filter: {search: $q}) { totalCount } }"
CHILD = "query($id: ID!) { child(id: $id) { name } }"
STATISTICS = "query($area: String!) { areaStatistics(areaCode: $area) { total { children } } }"


@pytest_asyncio.fixture(loop_scope="session")
async def replica(server_url: str) -> AsyncIterator[Replica]:
    """A replica of the tests' server, streaming."""
    conn = await asyncpg.connect(server_url)
    try:
        bindir = await conn.fetchval("SELECT setting FROM pg_config WHERE name = 'BINDIR'")
    finally:
        await conn.close()
    with streaming_replica(server_url, bindir) as standby:
        yield standby


async def _found(client: AsyncClient, token: str) -> int:
    total: int = (await query_data(client, token, SEARCH, q=NAME))["children"]["totalCount"]
    return total


async def _children(client: AsyncClient, token: str) -> int:
    """The county's children on file, as its statistics count them."""
    data = await query_data(client, token, STATISTICS, area=DEMO_VILLAGE[:6])
    total: int = data["areaStatistics"]["total"]["children"]
    return total


async def test_reports_read_the_replica_while_it_is_fresh(fresh_db: str, replica: Replica) -> None:
    village = await access_token(fresh_db, "demo-village")
    county = await access_token(fresh_db, "demo-county")
    standby = replica.url(fresh_db)
    # A transaction for the replica to replay (its lag is measured from the last one), then
    # its replay held.
    primary = await asyncpg.connect(fresh_db)
    try:
        await primary.execute("SELECT txid_current()")
    finally:
        await primary.close()
    for _ in range(100):
        if await replica.run("SELECT pg_last_xact_replay_timestamp() IS NOT NULL"):
            break
        await asyncio.sleep(0.1)
    await replica.run("SELECT pg_wal_replay_pause()")
    async for client in service_client(fresh_db, replica_url=standby, replica_max_lag_seconds=3600):
        on_file = await _children(client, county)
        # A write goes to the primary (the replica would refuse it)...
        child = await factories.child(client, village, DEMO_VILLAGE, name=NAME)
        # ...and other reads see it there; reports, served by the held replica, do not.
        assert (await query_data(client, village, CHILD, id=child["id"]))["child"]["name"] == NAME
        assert await _found(client, village) == 0
        assert await _children(client, county) == on_file
    async for client in service_client(fresh_db, replica_url=standby, replica_max_lag_seconds=0.5):
        # The held replica falls behind the bound: reports go to the primary.
        await asyncio.sleep(1.1)
        assert await _found(client, village) == 1
        assert await _children(client, county) == on_file + 1
    await replica.run("SELECT pg_wal_replay_resume()")
    async for client in service_client(fresh_db, replica_url=standby, replica_max_lag_seconds=3600):
        for _ in range(100):  # caught up: the replica serves the new child too
            if await _found(client, village) == 1:
                break
            await asyncio.sleep(0.1)
        assert await _children(client, county) == on_file + 1
