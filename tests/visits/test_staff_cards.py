"""Who did what (issue 20): a visit shows who recorded it, a child's file and a household who
registered them, as the person's public card (name, role, organization), never their
username, phone or account; the cards of a whole list in one statement."""

from __future__ import annotations

import uuid
from typing import Any

from graphql import GraphQLObjectType, build_schema
from httpx import AsyncClient

from app.seed.demo import DEMO_VILLAGE
from schema import schema
from tests import factories
from tests.conftest import service_client
from tests.graphql import counting_statements, query_data
from tests.world import World, key_of

VILLAGE_DIRECTOR = {
    "name": "伯浩村儿童主任",
    "role": "VILLAGE_DIRECTOR",
    "organizationName": "伯浩村村民委员会",
}
SUPERVISOR = {
    "name": "太和镇儿童督导员",
    "role": "TOWNSHIP_SUPERVISOR",
    "organizationName": "太和镇人民政府",
}
CARD = "{ name role organizationName }"
VISITS = """
query($id: ID!) { child(id: $id) { visits(first: 20) { edges { node {
  kind %s
} } } } }
"""
RECORDS = f"""
query($id: ID!) {{ child(id: $id) {{
  name registeredBy {CARD} household {{ address registeredBy {CARD} }}
}} }}
"""


async def _visitors(client: AsyncClient, token: str, child_id: str) -> list[Any]:
    data = await query_data(client, token, VISITS % f"visitor {CARD}", id=child_id)
    return [edge["node"]["visitor"] for edge in data["child"]["visits"]["edges"]]


def test_the_card_carries_no_username_phone_or_account() -> None:
    card = build_schema(schema.as_str()).get_type("StaffCard")
    assert isinstance(card, GraphQLObjectType)
    assert set(card.fields) == {"name", "role", "organizationName"}


async def test_a_visit_shows_the_director_who_recorded_it(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    await factories.visit(fresh_client, village, child["id"])
    await factories.visit(fresh_client, township, child["id"], kind="QUARTERLY_CHECK")
    visitors = await _visitors(fresh_client, village, child["id"])
    assert sorted(visitors, key=lambda card: card["role"]) == [SUPERVISOR, VILLAGE_DIRECTOR]
    # Seen by whoever may see the visit: the township sees the director's card too.
    assert VILLAGE_DIRECTOR in await _visitors(fresh_client, township, child["id"])


async def test_a_visit_by_a_partner_system_shows_its_organization_only(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    visit = await factories.visit(fresh_client, village, child["id"])
    # As a partner system's API key records it: no person, the key's organization.
    await world.execute(
        "UPDATE visits SET visitor_id = NULL, organization_id = :org WHERE id = :id",
        org=await world.org_of("demo-ngo"), id=uuid.UUID(key_of(visit["id"])),
    )  # fmt: skip
    assert await _visitors(fresh_client, village, child["id"]) == [
        {"name": None, "role": None, "organizationName": "鄂州市阳光社会工作服务中心"}
    ]


async def test_the_cards_of_a_list_are_one_statement(fresh_db: str, world: World) -> None:
    async for client in service_client(fresh_db, compiled_reads=False):
        village, township = await world.token("demo-village"), await world.token("demo-township")
        child = await factories.child(client, village, DEMO_VILLAGE)
        for token in (village, township, village, township, village):
            await factories.visit(client, token, child["id"])
        counted: dict[str, int] = {}
        for name, selection in (("plain", "visitedAt"), ("cards", f"visitedAt visitor {CARD}")):
            await query_data(client, village, VISITS % selection, id=child["id"])  # warm
            with counting_statements(client) as statements:
                await query_data(client, village, VISITS % selection, id=child["id"])
            counted[name] = len(statements)
        # Five visits by two people: their cards, with their organizations, in one more.
        assert counted["cards"] == counted["plain"] + 1


async def test_a_child_and_a_household_show_who_registered_them(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    school_id = await world.org_of("demo-school")
    pupil = await factories.child(
        fresh_client, village, DEMO_VILLAGE, schoolId=str(school_id), studentNumber="XJ-7001"
    )
    shown = (await query_data(fresh_client, village, RECORDS, id=pupil["id"]))["child"]
    assert shown["registeredBy"] == VILLAGE_DIRECTOR
    assert shown["household"]["registeredBy"] == VILLAGE_DIRECTOR
    township = await world.token("demo-township")
    seen = (await query_data(fresh_client, township, RECORDS, id=pupil["id"]))["child"]
    assert seen["registeredBy"] == seen["household"]["registeredBy"] == VILLAGE_DIRECTOR
    # The pupil's school sees its pupil, not who keeps the file (nor the household).
    school = await query_data(
        fresh_client, await world.token("demo-school"), RECORDS, id=pupil["id"]
    )
    assert school["child"]["name"] and school["child"]["registeredBy"] is None
    assert school["child"]["household"] is None
    # A file from before the maker was recorded shows none.
    await world.execute(
        "UPDATE children SET created_by_id = NULL WHERE id = :id", id=uuid.UUID(key_of(pupil["id"]))
    )
    before = (await query_data(fresh_client, village, RECORDS, id=pupil["id"]))["child"]
    assert before["registeredBy"] is None
