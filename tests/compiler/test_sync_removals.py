"""The compiled `syncPull` removes what the field-by-field one removes: deleted rows, a child
moved to another village, children of an NGO contract that changed or ended."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from httpx import AsyncClient
from sqlalchemy import text

from app.seed.demo import DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import TODAY_SQL, EngineFactory, access_token, service_client
from tests.graphql import graphql_body, mutation_payload
from tests.world import key_of

SYNC_PULL = (Path(__file__).parents[2] / "mobile_contract/operations/SyncPull.graphql").read_text()


@pytest_asyncio.fixture(loop_scope="session")
async def paths(fresh_db: str) -> AsyncIterator[tuple[AsyncClient, AsyncClient]]:
    """The service field by field, and with the compiled read path, on a database of its own."""
    async for plain in service_client(fresh_db, compiled_reads=False):
        async for compiled in service_client(fresh_db):
            yield plain, compiled


async def pull_both(
    paths: tuple[AsyncClient, AsyncClient], token: str, since: str | None
) -> tuple[list[dict[str, Any]], str]:
    """Every page from `since` on both paths: the removals (equal on both), the cursor."""
    found: list[list[dict[str, Any]]] = [[], []]
    cursors = []
    for index, client in enumerate(paths):
        cursor = since
        while True:
            body = await graphql_body(client, token, SYNC_PULL, since=cursor, first=7)
            assert "errors" not in body, body
            page = body["data"]["syncPull"]
            found[index] += page["removals"]
            cursor = page["cursor"]
            if not page["hasMore"]:
                break
        cursors.append(cursor)
    assert found[0] == found[1]
    return found[1], cursors[0]


async def test_deleted_rows_and_a_child_moved_away_are_removed_on_both_paths(
    paths: tuple[AsyncClient, AsyncClient], fresh_db: str, engine_for: EngineFactory
) -> None:
    plain, _compiled = paths
    village = await access_token(fresh_db, "demo-village")
    township = await access_token(fresh_db, "demo-township")
    moving = await factories.child(plain, village, DEMO_VILLAGE)
    visited = await factories.child(plain, village, DEMO_VILLAGE)
    visit = (await factories.visit(plain, village, visited["id"]))["id"]
    _removals, cursor = await pull_both(paths, village, None)
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(
            text("UPDATE visits SET deleted_at = now() WHERE id = :v"), {"v": key_of(visit)}
        )
    move = """mutation($input: MoveChildInput!) { moveChild(input: $input) { errors { code } } }"""
    moved = await mutation_payload(
        plain, township, move,
        id=moving["id"], expectedVersion=moving["version"], toAreaCode=DEMO_VILLAGE2,
    )  # fmt: skip
    assert moved["errors"] == []
    removals, _cursor = await pull_both(paths, village, cursor)
    assert {"typeName": "Child", "id": moving["id"]} in removals
    assert {"typeName": "Visit", "id": visit} in removals


async def test_an_ended_contract_removes_its_children_on_both_paths(
    paths: tuple[AsyncClient, AsyncClient], fresh_db: str, engine_for: EngineFactory
) -> None:
    ngo = await access_token(fresh_db, "demo-ngo")
    _removals, cursor = await pull_both(paths, ngo, None)
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(text(
            f"UPDATE ngo_contracts SET ends_on = {TODAY_SQL} - 1 WHERE ends_on >= {TODAY_SQL}"
        ))  # fmt: skip
    removals, _cursor = await pull_both(paths, ngo, cursor)
    assert len(removals) == 20 and {r["typeName"] for r in removals} == {"Child"}
