"""Searching households by their people's names and their phones, in scope, ranked."""

from __future__ import annotations

from httpx import AsyncClient

from app.seed.demo import DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import access_token
from tests.graphql import query_data

SEARCH = """
query($q: String!) {
  households(filter: {search: $q}, first: 50) { totalCount edges { node { id } } }
}
"""


async def found(client: AsyncClient, token: str, query: str) -> list[str]:
    """The ids of the households a search finds, in order."""
    data = await query_data(client, token, SEARCH, q=query)
    return [edge["node"]["id"] for edge in data["households"]["edges"]]


def parents(phone: str) -> list[dict[str, str]]:
    """A father at home with a phone, and a mother."""
    return [
        {"relation": "FATHER", "name": "覃振华", "status": "AT_HOME", "phone": phone},
        {"relation": "MOTHER", "name": "蒯雪梅", "status": "AT_HOME"},
    ]


async def test_households_are_found_by_names_and_phones_in_scope(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    village = await access_token(fresh_db, "demo-village")
    village2 = await access_token(fresh_db, "demo-village2")
    ours = await factories.household(
        fresh_client, village, DEMO_VILLAGE, phone="15927140917", parents=parents("15900000917")
    )
    theirs = await factories.household(
        fresh_client, village2, DEMO_VILLAGE2, phone="15927140918", parents=parents("15900000918")
    )
    await factories.child(
        fresh_client, village, DEMO_VILLAGE, household_id=ours["id"], name="覃思琪"
    )
    for query in ("覃振華", "qinzhenhua", "qzh", "蒯", "kuaixuemei", "覃思琪", "qsq"):
        assert await found(fresh_client, village, query) == [ours["id"]], query
    for query in ("15927140917", "15900000917", "140917", "0917"):
        assert ours["id"] in await found(fresh_client, village, query), query
        assert ours["id"] not in await found(fresh_client, village2, query), query
    assert await found(fresh_client, village2, "覃振华") == [theirs["id"]]
