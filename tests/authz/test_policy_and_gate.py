"""Policies change without a deploy; anonymous callers get nothing but login."""

from __future__ import annotations

from httpx import AsyncClient

from app.seed.demo import DEMO_TOWNSHIP
from tests.command import shouhu
from tests.conftest import PRODUCTION_KEYS, access_token, service_client
from tests.graphql import graphql_response, query_data

COUNT = "{ children(first: 1) { totalCount } }"


async def _count(client: AsyncClient, token: str) -> int:
    total: int = (await query_data(client, token, COUNT))["children"]["totalCount"]
    return total


async def test_a_grant_added_to_the_database_applies_without_restart(fresh_db: str) -> None:
    token = await access_token(fresh_db, "demo-admin")
    grant = ("g", "user:demo-admin", "township_supervisor", f"{DEMO_TOWNSHIP}*")
    async for client in service_client(fresh_db, policy_refresh_seconds=0):
        assert await _count(client, token) == 0  # administrators see no child by default
        added = shouhu(fresh_db, "policy", "add", *grant)
        assert added.returncode == 0, added.stderr
        township = await _count(client, token)
        assert township > 100
        removed = shouhu(fresh_db, "policy", "remove", *grant)
        assert removed.returncode == 0, removed.stderr
        assert await _count(client, token) == 0


def test_policy_cli_refuses_malformed_rules(empty_db: str) -> None:
    for rule in (("p", "village_director", "42%", "child_file", "read"), ("x", "a", "b")):
        result = shouhu(empty_db, "policy", "add", *rule)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr


async def _anonymous(client: AsyncClient, query: str) -> str:
    response = await graphql_response(client, None, query)
    assert response.status_code == 200
    return response.text


async def test_fields_hidden_in_fragments_are_refused_to_anonymous(demo_db: str) -> None:
    async for client in service_client(demo_db):
        hidden = (
            "query { ...Sneaky } fragment Sneaky on Query { children(first: 5) { totalCount } }"
        )
        inline = "query { ... on Query { cases(first: 5) { totalCount } } }"
        for query in (hidden, inline):
            body = await _anonymous(client, query)
            assert "UNAUTHENTICATED" in body
            assert "totalCount" not in body


async def test_introspection_without_credentials_only_in_development(demo_db: str) -> None:
    introspect = "{ __schema { queryType { name } } }"
    async for client in service_client(demo_db, env="development"):
        assert '"name":"Query"' in (await _anonymous(client, introspect)).replace(" ", "")
    production = {"env": "production", **PRODUCTION_KEYS}
    async for client in service_client(demo_db, **production, trusted_documents_only=False):
        assert "UNAUTHENTICATED" in await _anonymous(client, introspect)
    # In production only the app's documents run at all (trusted documents are on by default).
    async for client in service_client(demo_db, **production):
        assert "PERSISTED_DOCUMENT_REQUIRED" in await _anonymous(client, introspect)
