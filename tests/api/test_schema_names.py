"""Names of the schema ("Did you mean 'children'?") only for callers who may explore it
(issue 12, finding 9)."""

from __future__ import annotations

from httpx import AsyncClient

from app.mobile_contract import CONTRACT_DIR
from app.seed.demo import DEMO_PASSWORD
from tests.conftest import PRODUCTION_KEYS, service_client
from tests.graphql import graphql_body, query_data

LOGIN = (CONTRACT_DIR / "operations" / "Login.graphql").read_text()
PRODUCTION = {"env": "production", **PRODUCTION_KEYS}

TYPO = 'mutation { login(input: {username: "x", password: "y"}) { acessToken } }'
TYPO_ENUM = "{ children(filter: {category: LEFT_BEHIN}, first: 1) { totalCount } }"


async def _message(client: AsyncClient, query: str, headers: dict[str, str]) -> str:
    body = await graphql_body(client, None, query, headers=headers)
    message: str = body["errors"][0]["message"]
    return message


async def test_anonymous_callers_get_no_suggestions(demo_client: AsyncClient) -> None:
    message = await _message(demo_client, TYPO, {})
    assert message == "Cannot query field 'acessToken' on type 'AuthPayload'."


async def _login(client: AsyncClient, username: str) -> dict[str, str]:
    data = await query_data(client, None, LOGIN, username=username, password=DEMO_PASSWORD)
    return {"Authorization": f"Bearer {data['login']['accessToken']}"}


async def test_suggestions_only_for_those_who_may_explore_the_schema(demo_db: str) -> None:
    suggestion = "Did you mean the enum value 'LEFT_BEHIND'?"
    async for client in service_client(demo_db):  # development
        village = await _login(client, "demo-village")
        assert suggestion in await _message(client, TYPO_ENUM, village)
    async for client in service_client(demo_db, **PRODUCTION, trusted_documents_only=False):
        village = await _login(client, "demo-village")
        county = await _login(client, "demo-county")  # may use GraphiQL
        assert "Did you mean" not in await _message(client, TYPO_ENUM, village)
        assert suggestion in await _message(client, TYPO_ENUM, county)
        # The validation result is cached with the document: the next caller still gets none.
        assert "Did you mean" not in await _message(client, TYPO_ENUM, village)
        assert "Did you mean" not in await _message(client, TYPO, {})
