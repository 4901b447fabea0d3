"""The service end to end through its ASGI app, on real PostgreSQL."""

from __future__ import annotations

import base64
from typing import Any

import pytest_asyncio
from httpx import AsyncClient

from app.seed.demo import DEMO_TOWNSHIP, DEMO_VILLAGE
from tests import factories
from tests.conftest import access_token
from tests.graphql import gid, graphql_body

AREAS = """
query Areas($parent: String, $first: Int, $after: String) {
  areas(parentCode: $parent, first: $first, after: $after) {
    totalCount
    edges { cursor node { id code name level parentCode } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest_asyncio.fixture(loop_scope="session")
async def token(demo_db: str) -> str:
    """The demo village director's access token."""
    return await access_token(demo_db, "demo-village")


async def test_health_and_readiness(demo_client: AsyncClient) -> None:
    assert (await demo_client.get("/healthz")).json() == {"status": "ok"}
    ready = await demo_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"


async def test_not_ready_until_migrated(empty_db: str) -> None:
    from tests.conftest import service_client

    async for client in service_client(empty_db):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["revision"] is None


async def test_graphiql_is_served_in_development(demo_client: AsyncClient) -> None:
    response = await demo_client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_provinces_at_the_top(demo_client: AsyncClient, token: str) -> None:
    body = await graphql_body(demo_client, token, AREAS)
    areas = body["data"]["areas"]
    assert areas["totalCount"] == 1  # only Hubei is loaded in the demo
    assert areas["edges"][0]["node"] == {
        "id": gid("Area", "42"),
        "code": "42",
        "name": "湖北省",
        "level": "PROVINCE",
        "parentCode": None,
    }


async def test_areas_page_through_a_township(demo_client: AsyncClient, token: str) -> None:
    seen: list[str] = []
    after = None
    while True:
        body = await graphql_body(
            demo_client, token, AREAS, parent=DEMO_TOWNSHIP, first=5, after=after
        )
        page = body["data"]["areas"]
        seen += [edge["node"]["code"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == page["totalCount"] == len(set(seen))
    assert seen == sorted(seen)
    assert DEMO_VILLAGE in seen
    assert all(code.startswith(DEMO_TOWNSHIP) and len(code) == 12 for code in seen)


async def test_page_size_and_cursor_are_checked(demo_client: AsyncClient, token: str) -> None:
    too_many = await graphql_body(
        demo_client, token, AREAS, language="en", parent=DEMO_TOWNSHIP, first=101
    )
    assert too_many["data"] is None
    assert "first must be between 1 and 100" in too_many["errors"][0]["message"]
    bad_cursor = await graphql_body(
        demo_client, token, AREAS, language="en", parent=DEMO_TOWNSHIP, after="not-a-cursor"
    )
    assert "invalid cursor" in bad_cursor["errors"][0]["message"]
    chinese = await graphql_body(demo_client, token, AREAS, parent=DEMO_TOWNSHIP, first=101)
    assert chinese["errors"][0]["message"] == "first 应在 1 至 100 之间"


NODE = """
query Node($id: ID!) {
  node(id: $id) {
    id
    __typename
    ... on Child { areaCode name }
    ... on Area { code name }
  }
}
"""


async def test_node_resolves_a_child_and_an_area(fresh_client: AsyncClient, fresh_db: str) -> None:
    token = await access_token(fresh_db, "demo-village")
    child = await factories.child(fresh_client, token, DEMO_VILLAGE, name="李小龙")
    body = await graphql_body(fresh_client, token, NODE, id=child["id"])
    assert body["data"]["node"] == {
        "id": child["id"],
        "__typename": "Child",
        "areaCode": DEMO_VILLAGE,
        "name": "李小龙",
    }
    area = await graphql_body(fresh_client, token, NODE, id=gid("Area", DEMO_VILLAGE))
    assert area["data"]["node"]["code"] == DEMO_VILLAGE


async def test_node_of_unknown_or_malformed_id_is_null(
    demo_client: AsyncClient, token: str
) -> None:
    for node_id in (
        gid("Child", "00000000-0000-4000-8000-000000000000"),
        gid("Child", "not-a-uuid"),
        gid("Area", "999999"),
    ):
        body = await graphql_body(demo_client, token, NODE, id=node_id)
        assert body["data"] == {"node": None}, node_id


PAGES = """
query Pages($after: String) {
  children(first: 20, after: $after) {
    totalCount edges { node { id areaCode } } pageInfo { hasNextPage endCursor }
  }
}
"""
CASE_PAGES = """
query Pages($after: String) {
  cases(first: 3, after: $after) {
    totalCount edges { node { id reportedAt } } pageInfo { hasNextPage endCursor }
  }
}
"""


async def _all_pages(
    client: AsyncClient, token: str, query: str, field: str
) -> tuple[list[dict[str, Any]], int]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await graphql_body(client, token, query, after=after))["data"][field]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


async def test_children_and_cases_page_with_keyset_cursors(
    demo_db: str, demo_client: AsyncClient
) -> None:
    township = await access_token(demo_db, "demo-township")
    children, total = await _all_pages(demo_client, township, PAGES, "children")
    assert len(children) == total > 100
    assert len({c["id"] for c in children}) == total
    assert [c["areaCode"] for c in children] == sorted(c["areaCode"] for c in children)
    cases, case_total = await _all_pages(demo_client, township, CASE_PAGES, "cases")
    assert len({c["id"] for c in cases}) == case_total >= 7
    moments = [c["reportedAt"] for c in cases]
    assert moments == sorted(moments, reverse=True)


async def test_a_forged_cursor_is_a_clear_error(demo_client: AsyncClient, token: str) -> None:
    forged = base64.urlsafe_b64encode(b"k:420702|not-a-uuid").decode()
    body = await graphql_body(demo_client, token, PAGES, language="en", after=forged)
    assert body["errors"][0]["message"] == "invalid cursor"
