"""Moves a village requests: the receiving side accepts (across counties, both counties
first), the file moves with its history into a household there, and nobody else learns of
it."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.seed.demo import DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.graphql import mutation_payload, query_data
from tests.world import World, key_of

REQUEST_FIELDS = """
request {
  id version status areaCode toAreaCode childName childAge steps acceptedSteps declineReason
  child { id name }
}
errors { code field }
"""


def _mutation(name: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {REQUEST_FIELDS} }} }}"


REQUEST = _mutation("requestChildMove", "RequestChildMoveInput")
ACCEPT = _mutation("acceptChildMove", "AcceptChildMoveInput")
DECLINE = _mutation("declineChildMove", "DeclineChildMoveInput")
CANCEL = _mutation("cancelChildMove", "CancelChildMoveInput")
MOVE = (
    """mutation($input: MoveChildInput!) { moveChild(input: $input) { errors { code field } } }"""
)
REQUESTS = """{ childMoveRequests(first: 20) { totalCount edges { node {
  id status childName child { id } } } } }"""
CHILD = """
query($id: ID!) {
  node(id: $id) { ... on Child {
    id areaCode categories householdId household { areaCode }
    moveHistory { fromAreaCode toAreaCode }
    guardianships { id }
    openCases { id areaCode }
    visits(first: 10) { totalCount }
  } }
}
"""
# Both parents away: the household the child joins makes it left-behind.
AWAY = [
    {"relation": "FATHER", "name": "赵强", "status": "WORKING_AWAY",
     "workPlace": "浙江省杭州市", "awaySince": "2024-02-01"},
    {"relation": "MOTHER", "name": "钱丽", "status": "WORKING_AWAY",
     "workPlace": "浙江省杭州市", "awaySince": "2024-02-01"},
]  # fmt: skip


def codes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def _other_county(world: World) -> tuple[str, str, str]:
    """A village of another county of the city, its director's and its county bureau's
    tokens (an account made for the test, like the demo county's)."""
    village = await world.scalar(
        "SELECT code FROM areas WHERE level = 'village' AND code LIKE '420703%' "
        "ORDER BY code LIMIT 1"
    )
    await world.execute(
        "INSERT INTO users (id, username, display_name, role, area_code, password_hash) "
        "SELECT gen_random_uuid(), 'huarong-county', '华容区民政局', role, '420703', "
        "password_hash FROM users WHERE username = 'demo-county'"
    )
    return (
        village,
        await world.token(f"director-{village}"),
        await world.token("huarong-county"),
    )


async def _child_with_history(
    client: AsyncClient, village: str, household_id: str
) -> dict[str, Any]:
    child = await factories.child(client, village, DEMO_VILLAGE, household_id=household_id)
    await factories.visit(client, village, child["id"])
    await factories.case(client, village, child["id"])
    await factories.guardianship(client, village, child["id"])
    return child


async def test_a_child_moves_to_another_county_with_both_counties_and_the_village(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    county = await world.token("demo-county")
    target, receiving, receiving_county = await _other_county(world)
    family = await factories.household(fresh_client, village, DEMO_VILLAGE)
    sibling = await factories.child(fresh_client, village, DEMO_VILLAGE, household_id=family["id"])
    child = await _child_with_history(fresh_client, village, family["id"])
    before = (await query_data(fresh_client, village, CHILD, id=child["id"]))["node"]

    asked = await mutation_payload(
        fresh_client, village, REQUEST, childId=child["id"], toAreaCode=target, reason="随父母迁居"
    )
    assert asked["errors"] == []
    request = asked["request"]
    assert request["status"] == "REQUESTED"
    assert request["steps"] == ["SENDING_COUNTY", "RECEIVING_COUNTY", "RECEIVING_VILLAGE"]

    # The receiving village sees the request, the child's name and age, but not the file.
    seen = (await query_data(fresh_client, receiving, REQUESTS))["childMoveRequests"]
    assert [e["node"]["childName"] for e in seen["edges"]] == [child["name"]]
    assert seen["edges"][0]["node"]["child"] is None
    assert (await query_data(fresh_client, receiving, CHILD, id=child["id"]))["node"] is None
    # It accepts after the counties, not before.
    early = await mutation_payload(
        fresh_client, receiving, ACCEPT, id=request["id"], expectedVersion=request["version"]
    )
    assert codes(early) == [("COUNTIES_FIRST", "id")]

    version = request["version"]
    for token in (county, receiving_county):
        accepted = await mutation_payload(
            fresh_client, token, ACCEPT, id=request["id"], expectedVersion=version
        )
        assert accepted["errors"] == [], accepted
        assert accepted["request"]["child"] is None  # counties see numbers, not files
        version = accepted["request"]["version"]
    still = (await query_data(fresh_client, village, CHILD, id=child["id"]))["node"]
    assert still["areaCode"] == DEMO_VILLAGE

    # A sibling stays: the receiving village names the household the child joins.
    relatives = await factories.household(fresh_client, receiving, target, parents=AWAY)
    reference = await factories.child(fresh_client, receiving, target, household_id=relatives["id"])
    stranded = await mutation_payload(
        fresh_client, receiving, ACCEPT, id=request["id"], expectedVersion=version
    )
    assert codes(stranded) == [("HOUSEHOLD_REQUIRED", "toHouseholdId")]
    done = await mutation_payload(
        fresh_client, receiving, ACCEPT, id=request["id"], expectedVersion=version,
        toHouseholdId=relatives["id"],
    )  # fmt: skip
    assert done["errors"] == []
    assert done["request"]["status"] == "ACCEPTED"
    assert done["request"]["acceptedSteps"] == request["steps"]
    assert done["request"]["child"]["id"] == child["id"]

    after = (await query_data(fresh_client, receiving, CHILD, id=child["id"]))["node"]
    assert after["areaCode"] == target
    assert after["householdId"] == relatives["id"]
    assert after["household"]["areaCode"] == target
    # Its categories come from the household it joined.
    joined = (await query_data(fresh_client, receiving, CHILD, id=reference["id"]))["node"]
    assert after["categories"] == joined["categories"] != before["categories"]
    # The history came along.
    assert after["visits"]["totalCount"] == before["visits"]["totalCount"] == 1
    assert [g["id"] for g in after["guardianships"]] == [g["id"] for g in before["guardianships"]]
    assert [c["id"] for c in after["openCases"]] == [c["id"] for c in before["openCases"]]
    assert {c["areaCode"] for c in after["openCases"]} == {target}
    events = await world.rows(
        "SELECT DISTINCT area_code FROM case_events WHERE case_id IN "
        "(SELECT id FROM cases WHERE child_id = :c)",
        c=key_of(child["id"]),
    )
    assert [e.area_code for e in events] == [target]
    assert after["moveHistory"] == [{"fromAreaCode": DEMO_VILLAGE, "toAreaCode": target}]
    move = await world.row(
        "SELECT requested_by_id, moved_by_id FROM child_moves WHERE child_id = :c",
        c=key_of(child["id"]),
    )
    users = await world.rows(
        "SELECT username, id FROM users WHERE username IN ('demo-village', :d)",
        d=f"director-{target}",
    )
    by_name = {u.username: u.id for u in users}
    assert (move.requested_by_id, move.moved_by_id) == (
        by_name["demo-village"],
        by_name[f"director-{target}"],
    )
    # The sending village sees the child gone; the sibling and the family stay.
    assert (await query_data(fresh_client, village, CHILD, id=child["id"]))["node"] is None
    stayed = (await query_data(fresh_client, village, CHILD, id=sibling["id"]))["node"]
    assert stayed["household"]["areaCode"] == DEMO_VILLAGE


async def test_within_the_county_the_receiving_village_alone_accepts_and_the_family_moves(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    village2 = await world.token("demo-village2")
    family = await factories.household(fresh_client, village, DEMO_VILLAGE)
    child = await _child_with_history(fresh_client, village, family["id"])
    asked = await mutation_payload(
        fresh_client, village, REQUEST, childId=child["id"], toAreaCode=DEMO_VILLAGE2
    )
    assert asked["request"]["steps"] == ["RECEIVING_VILLAGE"]
    again = await mutation_payload(
        fresh_client, village, REQUEST, childId=child["id"], toAreaCode=DEMO_VILLAGE2
    )
    assert codes(again) == [("MOVE_ALREADY_REQUESTED", "childId")]
    # The county has no acceptance to give here.
    county = await mutation_payload(
        fresh_client, await world.token("demo-county"), ACCEPT,
        id=asked["request"]["id"], expectedVersion=asked["request"]["version"],
    )  # fmt: skip
    assert codes(county) == [("FORBIDDEN", "id")]
    done = await mutation_payload(
        fresh_client, village2, ACCEPT,
        id=asked["request"]["id"], expectedVersion=asked["request"]["version"],
    )  # fmt: skip
    assert done["errors"] == []
    after = (await query_data(fresh_client, village2, CHILD, id=child["id"]))["node"]
    assert after["areaCode"] == DEMO_VILLAGE2
    assert after["householdId"] == family["id"]
    assert after["household"]["areaCode"] == DEMO_VILLAGE2  # the family went along
    assert after["visits"]["totalCount"] == 1


async def test_declined_and_cancelled_requests_move_nothing(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    village2 = await world.token("demo-village2")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    asked = (
        await mutation_payload(
            fresh_client, village, REQUEST, childId=child["id"], toAreaCode=DEMO_VILLAGE2
        )
    )["request"]
    # Only the requesting side cancels; a reason is needed to decline.
    refused = await mutation_payload(
        fresh_client, village2, CANCEL, id=asked["id"], expectedVersion=asked["version"]
    )
    assert codes(refused) == [("FORBIDDEN", "id")]
    blank = await mutation_payload(
        fresh_client, village2, DECLINE, id=asked["id"], expectedVersion=asked["version"],
        reason=" ",
    )  # fmt: skip
    assert codes(blank) == [("REQUIRED", "reason")]
    declined = await mutation_payload(
        fresh_client, village2, DECLINE, id=asked["id"], expectedVersion=asked["version"],
        reason="查无此户",
    )  # fmt: skip
    assert declined["request"]["status"] == "DECLINED"
    assert declined["request"]["declineReason"] == "查无此户"
    late = await mutation_payload(
        fresh_client, village2, ACCEPT,
        id=asked["id"], expectedVersion=declined["request"]["version"],
    )  # fmt: skip
    assert codes(late) == [("REQUEST_CLOSED", "id")]

    second = (
        await mutation_payload(
            fresh_client, village, REQUEST, childId=child["id"], toAreaCode=DEMO_VILLAGE2
        )
    )["request"]
    cancelled = await mutation_payload(
        fresh_client, village, CANCEL, id=second["id"], expectedVersion=second["version"]
    )
    assert cancelled["request"]["status"] == "CANCELLED"
    node = (await query_data(fresh_client, village, CHILD, id=child["id"]))["node"]
    assert node["areaCode"] == DEMO_VILLAGE and node["moveHistory"] == []
    assert (await query_data(fresh_client, village2, CHILD, id=child["id"]))["node"] is None


async def test_a_third_village_sees_and_does_nothing(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    asked = (
        await mutation_payload(
            fresh_client, village, REQUEST, childId=child["id"], toAreaCode=DEMO_VILLAGE2
        )
    )["request"]
    _target, third, _county = await _other_county(world)
    seen = (await query_data(fresh_client, third, REQUESTS))["childMoveRequests"]
    assert seen == {"totalCount": 0, "edges": []}
    for document, extra in ((ACCEPT, {}), (DECLINE, {"reason": "不是我村"}), (CANCEL, {})):
        refused = await mutation_payload(
            fresh_client, third, document, id=asked["id"], expectedVersion=asked["version"],
            **extra,
        )  # fmt: skip
        assert codes(refused) == [("NOT_FOUND", "id")]
    # Nor may a village director request a move of a child it does not hold.
    stolen = await mutation_payload(
        fresh_client, third, REQUEST, childId=child["id"], toAreaCode=DEMO_VILLAGE2
    )
    assert codes(stolen) == [("NOT_FOUND", "childId")]


async def test_a_township_moves_a_child_to_another_county_by_request(
    fresh_client: AsyncClient, world: World
) -> None:
    township = await world.token("demo-township")
    village = await world.token("demo-village")
    target, receiving, receiving_county = await _other_county(world)
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    # moveChild needs write access there, which a township has only in its own villages.
    version = child["version"]
    direct = await mutation_payload(
        fresh_client, township, MOVE, id=child["id"], expectedVersion=version, toAreaCode=target
    )
    assert codes(direct) == [("FORBIDDEN", "toAreaCode")]
    asked = await mutation_payload(
        fresh_client, township, REQUEST, childId=child["id"], toAreaCode=target
    )
    assert asked["errors"] == []
    request = asked["request"]
    # The village sees what its township asked; so do both counties.
    for token in (village, await world.token("demo-county"), receiving_county, receiving):
        seen = (await query_data(fresh_client, token, REQUESTS))["childMoveRequests"]
        assert [e["node"]["id"] for e in seen["edges"]] == [request["id"]]
    version = request["version"]
    for token in (receiving_county, await world.token("demo-county"), receiving):
        accepted = await mutation_payload(
            fresh_client, token, ACCEPT, id=request["id"], expectedVersion=version
        )
        assert accepted["errors"] == [], accepted
        version = accepted["request"]["version"]
    assert accepted["request"]["status"] == "ACCEPTED"
    moved = (await query_data(fresh_client, receiving, CHILD, id=child["id"]))["node"]
    assert moved["areaCode"] == target and moved["household"]["areaCode"] == target
    twice = await mutation_payload(
        fresh_client, receiving, ACCEPT, id=request["id"], expectedVersion=version
    )
    assert codes(twice) == [("REQUEST_CLOSED", "id")]
