"""GraphQL over HTTP: media types, statuses and caching as the specification and its
reference audit (graphql-http) expect them."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from app.mobile_contract import document_id
from app.web.media_types import GRAPHQL_RESPONSE_JSON, JSON, negotiate
from tests.api.test_mobile_contract import AD_HOC, CASELOAD
from tests.conftest import access_token, served, service_client

AUDIT_DIR = Path(__file__).parents[1] / "http_conformance"
# graphql-http 1.23.1's server audits (pinned in tests/http_conformance/package-lock.json).
AUDITS = 61


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("text/html", JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"{JSON}, {GRAPHQL_RESPONSE_JSON}", JSON),  # a tie: the first named
        (f"{JSON};q=0.5, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0, {JSON}", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0.2, */*", GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=x, {JSON};q=0.1", JSON),
    ],
)
def test_the_media_type_is_negotiated(accept: str | None, chosen: str) -> None:
    assert negotiate(accept) == chosen


async def _post(
    client: AsyncClient,
    body: dict[str, Any],
    token: str | None,
    accept: str = GRAPHQL_RESPONSE_JSON,
) -> Any:
    headers = {"Accept": accept, **(auth(token) if token else {})}
    return await client.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": "{ children { totalCount "}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ children { nope } }"}, "GRAPHQL_VALIDATION_FAILED"),
        (
            {
                "query": "query ($first: Int!) { children(first: $first) { totalCount } }",
                "variables": {"first": "many"},
            },
            "BAD_USER_INPUT",
        ),
    ],
)
async def test_a_request_error_is_a_400_without_data(
    demo_client: AsyncClient, demo_db: str, body: dict[str, Any], code: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    response = await _post(demo_client, body, token)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    answer = response.json()
    assert "data" not in answer
    assert answer["errors"][0]["extensions"]["code"] == code
    # Older clients keep the 200 with `"data": null` they were built for.
    legacy = await _post(demo_client, body, token, accept=JSON)
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == JSON
    assert legacy.json()["data"] is None


async def test_refused_credentials_are_a_401(demo_client: AsyncClient) -> None:
    response = await _post(demo_client, {"query": "{ children { totalCount } }"}, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    expired = await _post(demo_client, {"query": "{ children { totalCount } }"}, "not-a-token")
    assert expired.status_code == 401


async def test_a_field_error_keeps_its_data_and_a_200(
    demo_client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    response = await _post(demo_client, {"query": '{ node(id: "bad") { id } }'}, token)
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    answer = response.json()
    assert answer["data"] == {"node": None}
    assert answer["errors"][0]["path"] == ["node"]


async def test_personal_data_is_never_cached(demo_client: AsyncClient, demo_db: str) -> None:
    token = await access_token(demo_db, "demo-village")
    posted = await _post(demo_client, {"query": "{ children { totalCount } }"}, token)
    got = await demo_client.get(
        "/graphql",
        params={"documentId": document_id(CASELOAD), "variables": '{"first": 1}'},
        headers=auth(token),
    )
    export = await demo_client.get("/exports/statistics.csv", headers=auth(token))
    refused = await demo_client.get("/graphql", params={"query": "{ children { totalCount } }"})
    assert got.json()["data"]["children"]["totalCount"] == 60
    for response in (posted, got, export, refused):
        assert response.headers["cache-control"] == "private, no-store", response.url


async def test_the_area_table_may_be_cached(demo_client: AsyncClient, demo_db: str) -> None:
    token = await access_token(demo_db, "demo-village")
    query = "{ areas(first: 5) { totalCount edges { node { code name } } } }"
    got = await demo_client.get("/graphql", params={"query": query}, headers=auth(token))
    assert got.json()["data"]["areas"]["totalCount"] >= 1
    assert got.headers["cache-control"] == "public, max-age=3600"
    assert "Accept" in got.headers["vary"]
    # The same by POST, or with an error, stays private.
    posted = await _post(demo_client, {"query": query}, token, accept=JSON)
    assert posted.headers["cache-control"] == "private, no-store"
    failed = await demo_client.get(
        "/graphql", params={"query": "{ areas(first: 0) { totalCount } }"}, headers=auth(token)
    )
    assert "errors" in failed.json()
    assert failed.headers["cache-control"] == "private, no-store"


async def test_get_carries_only_persisted_documents_where_only_they_run(demo_db: str) -> None:
    county = await access_token(demo_db, "demo-county")  # may POST any document
    async for client in service_client(demo_db, trusted_documents_only=True):
        refused = await client.get("/graphql", params={"query": AD_HOC}, headers=auth(county))
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "PERSISTED_DOCUMENT_REQUIRED"
        assert "POST" in error["message"]
        posted = await client.post("/graphql", json={"query": AD_HOC}, headers=auth(county))
        assert "errors" not in posted.json()
        persisted = await client.get(
            "/graphql",
            params={"documentId": document_id(CASELOAD), "variables": '{"first": 1}'},
            headers=auth(county),
        )
        assert "errors" not in persisted.json()


def _audit_tool() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the graphql-http audit runs on Node.js")
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        pytest.skip(f"graphql-http is not installed: run `npm ci` in {AUDIT_DIR} (make test does)")
    return node


async def test_the_graphql_over_http_audit_passes_with_no_warning(demo_db: str) -> None:
    node = _audit_tool()
    token = await access_token(demo_db, "demo-village")
    async with served(demo_db) as base:
        audit = await asyncio.create_subprocess_exec(
            node,
            str(AUDIT_DIR / "audit.mjs"),
            cwd=AUDIT_DIR,
            env={**os.environ, "SHOUHU_AUDIT_URL": f"{base}/graphql", "SHOUHU_AUDIT_TOKEN": token},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(audit.communicate(), timeout=120)
    assert audit.returncode == 0, err.decode()
    results = json.loads(out)
    assert len(results) == AUDITS
    failed = [
        f"{r['id']} {r['status']}: {r['name']}: {r['reason']}"
        for r in results
        if r["status"] != "ok"
    ]
    assert failed == []
