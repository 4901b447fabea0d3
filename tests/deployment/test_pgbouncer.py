"""The service behind PgBouncer in transaction mode: one server connection serves many
clients' transactions in turn, and no caller's scope survives its own transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from app.mobile_contract import document_id
from tests.api.test_mobile_contract import CASELOAD
from tests.conftest import access_token, service_client
from tests.pgbouncer import pgbouncer, through

REPEATS = 20
SCOPE = "SELECT current_setting('shouhu.scope', true), pg_backend_pid()"


@pytest.fixture
def pooler_of_one(server_url: str) -> Iterator[str]:
    """PgBouncer with one server connection per database and user: every client shares it."""
    with pgbouncer(server_url, pool_size=1) as address:
        yield address


@pytest.fixture
def pooler(server_url: str) -> Iterator[str]:
    """PgBouncer with fewer server connections than the service has clients: a client's
    consecutive transactions meet different server connections."""
    with pgbouncer(server_url, pool_size=2) as address:
        yield address


async def test_a_scope_never_outlives_its_transaction_on_a_shared_connection(
    fresh_db: str, pooler_of_one: str
) -> None:
    url = through(pooler_of_one, fresh_db)
    first, second = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        # Two clients' transactions, one after the other, on PgBouncer's one server
        # connection: the second finds none of the first's setting.
        async with first.transaction():
            await first.execute("SELECT set_config('shouhu.scope', 'village 1', true)")
            setting, first_backend = await first.fetchrow(SCOPE)
            assert setting == "village 1"
        async with second.transaction():
            setting, second_backend = await second.fetchrow(SCOPE)
        assert second_backend == first_backend  # the same server connection
        assert setting in ("", None)
        # Interleaved: the second client waits for the first's transaction to end.
        async with first.transaction():
            await first.execute("SELECT set_config('shouhu.scope', 'village 1', true)")
            waiting = asyncio.ensure_future(second.fetchrow(SCOPE))
            await asyncio.sleep(0.2)
            assert not waiting.done()
            assert (await first.fetchrow(SCOPE))[0] == "village 1"
        assert (await waiting)[0] in ("", None)
    finally:
        await first.close()
        await second.close()


async def _answers(client: Any, tokens: dict[str, str]) -> dict[str, Any]:
    body = {"documentId": document_id(CASELOAD), "variables": {"first": 5}}
    requests = [
        client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
        for token in tokens.values()
        for _ in range(REPEATS)
    ]
    responses = await asyncio.gather(*requests)
    answers: dict[str, Any] = {}
    for name, response in zip([n for n in tokens for _ in range(REPEATS)], responses, strict=True):
        answer = response.json()
        assert "errors" not in answer, answer
        assert answers.setdefault(name, answer) == answer  # the same each time
    return answers


async def test_the_service_answers_the_same_through_the_pooler(fresh_db: str, pooler: str) -> None:
    tokens = {name: await access_token(fresh_db, name) for name in ("demo-village", "demo-ngo")}
    async for direct in service_client(fresh_db):
        expected = await _answers(direct, tokens)
    pooled = {
        "transaction_pooler": True,
        "direct_database_url": fresh_db,
        "db_pool_size": 8,
    }
    async for client in service_client(through(pooler, fresh_db), **pooled):
        # Two callers' requests at once over one server connection: each sees its own.
        assert await _answers(client, tokens) == expected
        assert expected["demo-village"] != expected["demo-ngo"]
