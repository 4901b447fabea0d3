"""Entrusted guardianship, moving a child to another village, archiving a child's file."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from httpx import AsyncClient

from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import TODAY
from tests.documents import ASSESS, CONFIRM, END, ENTRUST, mutation
from tests.graphql import gid, mutation_payload, query_data
from tests.world import World, key_of

CHILD_PAYLOAD = "child { id areaCode status archivedReason version } current { id version status }"
MOVE = mutation("moveChild", "MoveChildInput", CHILD_PAYLOAD)
ARCHIVE = mutation("archiveChild", "ArchiveChildInput", CHILD_PAYLOAD)

CHILD = """
query($id: ID!) {
  node(id: $id) { ... on Child {
    id areaCode version hasConfirmedGuardian
    activeGuardian { id guardianName capacity }
    guardianships { id status startsOn endsOn }
    openCases { id areaCode }
    visits(first: 100) { totalCount edges { node { areaCode } } }
  } }
}
"""


def codes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


HISTORY = """
query($id: ID!) { node(id: $id) { ... on Child {
  moveHistory { fromAreaCode toAreaCode } household { areaCode parents { name } }
} } }
"""


async def test_entrust_assess_confirm_gives_a_confirmed_guardian(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    old = (await factories.guardianship(fresh_client, village, child))["id"]
    new = await _entrusted_in_place_of(fresh_client, village, child, old)
    assessed = await _assessed_capable(fresh_client, village, child, new)
    confirmed = await _confirmed_once_signed(fresh_client, world, village, child, assessed)
    await _ended_twice(fresh_client, village, child, confirmed)


async def _entrusted_in_place_of(
    fresh_client: AsyncClient, village: str, child: str, old: str
) -> dict[str, Any]:
    """A new guardian entrusted: active, unassessed; the one before is ended, not deleted."""
    entrusted = await mutation_payload(
        fresh_client,
        village,
        ENTRUST,
        childId=child,
        guardianName=" 王秀英 ",
        relation="GRANDPARENT",
        phone="138 0000 0000",
        agreementSigned=True,
    )
    assert entrusted["errors"] == []
    new: dict[str, Any] = entrusted["guardianship"]
    assert new["status"] == "ACTIVE" and new["capacity"] == "UNASSESSED"
    assert new["startsOn"] == TODAY.isoformat() and new["confirmedAt"] is None

    seen = (await query_data(fresh_client, village, CHILD, id=child))["node"]
    assert seen["hasConfirmedGuardian"] is False
    assert seen["activeGuardian"] == {
        "id": new["id"], "guardianName": "王秀英", "capacity": "UNASSESSED"
    }  # fmt: skip
    # The guardian before is ended, not deleted: the day the new one starts.
    ended = [g for g in seen["guardianships"] if g["id"] == old]
    assert ended == [
        {"id": old, "status": "ENDED", "startsOn": ended[0]["startsOn"],
         "endsOn": new["startsOn"]}
    ]  # fmt: skip
    return new


async def _assessed_capable(
    fresh_client: AsyncClient, village: str, child: str, new: dict[str, Any]
) -> dict[str, Any]:
    """Assessed capable, the guardian is not yet a confirmed one."""
    assessed = await mutation_payload(
        fresh_client, village, ASSESS, id=new["id"], expectedVersion=new["version"],
        capacity="CAPABLE",
    )  # fmt: skip
    assert assessed["errors"] == []
    assert assessed["guardianship"]["capacity"] == "CAPABLE"
    assert assessed["guardianship"]["capacityAssessedAt"] is not None
    assert (await query_data(fresh_client, village, CHILD, id=child))["node"][
        "hasConfirmedGuardian"
    ] is False
    guardianship: dict[str, Any] = assessed["guardianship"]
    return guardianship


async def _confirmed_once_signed(
    fresh_client: AsyncClient, world: World, village: str, child: str, assessed: dict[str, Any]
) -> dict[str, Any]:
    """Confirmed only with the agreement signed; by the director, in the child's village."""
    unsigned = await mutation_payload(
        fresh_client, village, CONFIRM, id=assessed["id"],
        expectedVersion=assessed["version"], agreementSigned=False,
    )  # fmt: skip
    assert codes(unsigned) == [("AGREEMENT_NOT_SIGNED", "agreementSigned")]

    confirmed = await mutation_payload(
        fresh_client, village, CONFIRM, id=assessed["id"],
        expectedVersion=assessed["version"], agreementSigned=True,
    )  # fmt: skip
    assert confirmed["errors"] == [] and confirmed["guardianship"]["confirmedAt"] is not None
    assert (await query_data(fresh_client, village, CHILD, id=child))["node"][
        "hasConfirmedGuardian"
    ] is True
    row = (
        await world.rows(
            "SELECT confirmed_by_id, capacity_assessed_by_id, area_code FROM guardianships "
            "WHERE id = :id",
            id=key_of(assessed["id"]),
        )
    )[0]
    director = await world.scalar("SELECT id FROM users WHERE username = 'demo-village'")
    assert row.confirmed_by_id == row.capacity_assessed_by_id == director
    assert row.area_code == DEMO_VILLAGE
    guardianship: dict[str, Any] = confirmed["guardianship"]
    return guardianship


async def _ended_twice(
    fresh_client: AsyncClient, village: str, child: str, confirmed: dict[str, Any]
) -> None:
    """Ending it takes the confirmed guardian away again; it ends once."""
    ended_now = await mutation_payload(
        fresh_client, village, END, id=confirmed["id"],
        expectedVersion=confirmed["version"],
    )  # fmt: skip
    assert ended_now["errors"] == [] and ended_now["guardianship"]["status"] == "ENDED"
    after = (await query_data(fresh_client, village, CHILD, id=child))["node"]
    assert after["hasConfirmedGuardian"] is False and after["activeGuardian"] is None
    again = await mutation_payload(
        fresh_client, village, END, id=confirmed["id"],
        expectedVersion=ended_now["guardianship"]["version"],
    )  # fmt: skip
    assert codes(again) == [("GUARDIANSHIP_ENDED", "id")]


async def test_guardianship_writes_are_checked(fresh_client: AsyncClient, world: World) -> None:
    village = await world.token("demo-village")
    child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    guardianship = await factories.guardianship(fresh_client, village, child)
    version = guardianship["version"]
    before = await world.scalar("SELECT count(*) FROM guardianships")

    problems = await mutation_payload(
        fresh_client, village, ENTRUST, childId=child, guardianName=" ",
        relation="GRANDPARENT", phone="12345", idNumber="420702195001010001",
        startsOn=(TODAY + timedelta(days=2)).isoformat(),
    )  # fmt: skip
    assert sorted(codes(problems)) == [
        ("FUTURE_DATE", "startsOn"),
        ("INVALID_ID_NUMBER", "idNumber"),
        ("INVALID_PHONE", "phone"),
        ("REQUIRED", "guardianName"),
    ]
    elsewhere = await mutation_payload(
        fresh_client, await world.token("demo-village2"), ENTRUST,
        childId=child, guardianName="李四", relation="FRIEND",
    )  # fmt: skip
    assert codes(elsewhere) == [("NOT_FOUND", "childId")]
    stale = await mutation_payload(
        fresh_client, village, ASSESS, id=guardianship["id"],
        expectedVersion=version + 1, capacity="INCAPABLE",
    )  # fmt: skip
    assert codes(stale) == [("VERSION_CONFLICT", "expectedVersion")]
    assert stale["current"]["id"] == guardianship["id"]
    assert stale["current"]["version"] == version
    assert await world.scalar("SELECT count(*) FROM guardianships") == before

    # The police see a child of a police case, but do not keep its file.
    await factories.case(fresh_client, village, child, reportedToPolice=True)
    police = await world.token("demo-police")
    seen = await query_data(fresh_client, police, CHILD, id=child)
    assert seen["node"] is not None
    refused = await mutation_payload(
        fresh_client, police, ENTRUST, childId=child, guardianName="李四",
        relation="FRIEND",
    )  # fmt: skip
    assert codes(refused) == [("FORBIDDEN", "childId")]


async def test_entrust_retried_with_its_id_is_one_guardianship(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    await factories.guardianship(fresh_client, village, child)
    entrust_id = str(uuid.uuid4())
    fields = {
        "id": entrust_id, "childId": child, "guardianName": "张桂兰",
        "relation": "UNCLE_AUNT",
    }  # fmt: skip
    first = await mutation_payload(fresh_client, village, ENTRUST, **fields)
    again = await mutation_payload(fresh_client, village, ENTRUST, **fields)
    assert first["errors"] == again["errors"] == []
    assert first["guardianship"]["id"] == again["guardianship"]["id"]
    assert again["guardianship"]["status"] == "ACTIVE"
    assert (
        await world.scalar(
            "SELECT count(*) FROM guardianships WHERE child_id = :c AND status = 'active'",
            c=key_of(child),
        )
        == 1
    )
    other = await mutation_payload(
        fresh_client, village, ENTRUST, **{**fields, "guardianName": "别人"}
    )
    assert codes(other) == [("IDEMPOTENCY_CONFLICT", "id")]


async def a_child_with_history(
    client: AsyncClient, world: World, household_id: str | None = None
) -> uuid.UUID:
    """A child of the demo village with a visit, an open case and an active guardian, made
    by the village director (in a household of its own unless `household_id` names one)."""
    village = await world.token("demo-village")
    child = await factories.child(client, village, DEMO_VILLAGE, household_id=household_id)
    await factories.visit(client, village, child["id"])
    await factories.case(client, village, child["id"])
    await factories.guardianship(client, village, child["id"])
    return uuid.UUID(key_of(child["id"]))


async def test_a_moved_child_takes_its_history_along(
    fresh_client: AsyncClient, world: World
) -> None:
    township = await world.token("demo-township")
    child_id = await a_child_with_history(fresh_client, world)
    child = gid("Child", child_id)
    before = (await query_data(fresh_client, township, CHILD, id=child))["node"]
    assert before["visits"]["totalCount"] > 0 and before["openCases"]

    moved = await mutation_payload(
        fresh_client, township, MOVE, id=child, expectedVersion=before["version"],
        toAreaCode=DEMO_VILLAGE2,
    )  # fmt: skip
    assert moved["errors"] == []
    assert moved["child"]["areaCode"] == DEMO_VILLAGE2
    assert moved["child"]["version"] == before["version"] + 1

    after = (await query_data(fresh_client, township, CHILD, id=child))["node"]
    assert after["areaCode"] == DEMO_VILLAGE2
    assert after["visits"]["totalCount"] == before["visits"]["totalCount"]
    assert {e["node"]["areaCode"] for e in after["visits"]["edges"]} == {DEMO_VILLAGE2}
    assert {c["id"] for c in after["openCases"]} == {c["id"] for c in before["openCases"]}
    assert {c["areaCode"] for c in after["openCases"]} == {DEMO_VILLAGE2}
    for table, condition in (
        ("guardianships", "child_id = :c"),
        ("visits", "child_id = :c"),
        ("cases", "child_id = :c"),
        ("case_events", "case_id IN (SELECT id FROM cases WHERE child_id = :c)"),
    ):
        areas = await world.rows(f"SELECT DISTINCT area_code FROM {table} WHERE {condition}",
                                 c=child_id)  # fmt: skip
        assert [a.area_code for a in areas] == [DEMO_VILLAGE2], table

    # The file is now the other village's.
    village2 = await world.token("demo-village2")
    assert (await query_data(fresh_client, village2, CHILD, id=child))["node"]["id"] == child
    village = await world.token("demo-village")
    assert (await query_data(fresh_client, village, CHILD, id=child))["node"] is None
    # The move is kept, and the family (no sibling stayed behind) went along.
    history = await query_data(fresh_client, village2, HISTORY, id=child)
    assert history["node"]["moveHistory"] == [
        {"fromAreaCode": DEMO_VILLAGE, "toAreaCode": DEMO_VILLAGE2}
    ]
    assert history["node"]["household"]["areaCode"] == DEMO_VILLAGE2
    assert history["node"]["household"]["parents"]


async def test_a_moved_child_leaves_the_family_with_a_sibling_who_stays(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    family = await factories.household(fresh_client, village, DEMO_VILLAGE)
    sibling = await factories.child(fresh_client, village, DEMO_VILLAGE, household_id=family["id"])
    child_id = await a_child_with_history(fresh_client, world, household_id=family["id"])
    child = gid("Child", child_id)
    township = await world.token("demo-township")
    version = (await query_data(fresh_client, township, CHILD, id=child))["node"]["version"]
    # With a sibling staying, the child needs a household in the new village.
    stranded = await mutation_payload(
        fresh_client, township, MOVE, id=child, expectedVersion=version, toAreaCode=DEMO_VILLAGE2
    )
    assert codes(stranded) == [("HOUSEHOLD_REQUIRED", "toHouseholdId")]
    wrong_village = await mutation_payload(
        fresh_client, township, MOVE, id=child, expectedVersion=version,
        toAreaCode=DEMO_VILLAGE2, toHouseholdId=family["id"],
    )  # fmt: skip
    assert codes(wrong_village) == [("INVALID_HOUSEHOLD", "toHouseholdId")]
    village2 = await world.token("demo-village2")
    relatives = await factories.household(fresh_client, village2, DEMO_VILLAGE2)
    moved = await mutation_payload(
        fresh_client, township, MOVE, id=child, expectedVersion=version,
        toAreaCode=DEMO_VILLAGE2, toHouseholdId=relatives["id"],
    )  # fmt: skip
    assert moved["errors"] == []
    # The family stays with the sibling; the child lives with the relatives now.
    history = await query_data(fresh_client, village2, HISTORY, id=child)
    assert history["node"]["moveHistory"] == [
        {"fromAreaCode": DEMO_VILLAGE, "toAreaCode": DEMO_VILLAGE2}
    ]
    assert history["node"]["household"]["areaCode"] == DEMO_VILLAGE2
    assert await world.scalar(
        "SELECT household_id FROM children WHERE id = :c", c=child_id
    ) == uuid.UUID(key_of(relatives["id"]))
    stayed = await query_data(fresh_client, village, HISTORY, id=sibling["id"])
    assert stayed["node"]["household"]["areaCode"] == DEMO_VILLAGE


async def test_a_village_director_moves_only_within_reach(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child_id = await a_child_with_history(fresh_client, world)
    version = await world.scalar("SELECT version FROM children WHERE id = :c", c=child_id)
    other_township_village = await world.scalar(
        "SELECT code FROM areas WHERE level = 'village' AND code LIKE :county || '%' "
        "AND code NOT LIKE :township || '%' ORDER BY code LIMIT 1",
        county=DEMO_COUNTY,
        township=DEMO_TOWNSHIP,
    )
    child = gid("Child", child_id)
    for target in (other_township_village, DEMO_VILLAGE2):
        refused = await mutation_payload(
            fresh_client, village, MOVE, id=child, expectedVersion=version, toAreaCode=target
        )
        assert codes(refused) == [("FORBIDDEN", "toAreaCode")], target
        assert refused["child"] is None
    for target in (DEMO_TOWNSHIP, "999999999999", "x"):
        invalid = await mutation_payload(
            fresh_client, village, MOVE, id=child, expectedVersion=version, toAreaCode=target
        )
        assert codes(invalid) == [("INVALID_AREA", "toAreaCode")], target
    # demo-village2 cannot take a child it does not see.
    taken = await mutation_payload(
        fresh_client, await world.token("demo-village2"), MOVE, id=child,
        expectedVersion=version, toAreaCode=DEMO_VILLAGE2,
    )  # fmt: skip
    assert codes(taken) == [("NOT_FOUND", "id")]
    assert await world.scalar("SELECT area_code FROM children WHERE id = :c", c=child_id) == (
        DEMO_VILLAGE
    )
    assert await world.scalar("SELECT version FROM children WHERE id = :c", c=child_id) == version
    moved_rows = await world.scalar(
        "SELECT count(*) FROM visits WHERE child_id = :c AND area_code <> :v",
        c=child_id,
        v=DEMO_VILLAGE,
    )
    assert moved_rows == 0


async def test_archive_twice_is_already_archived(fresh_client: AsyncClient, world: World) -> None:
    village = await world.token("demo-village")
    made = await factories.child(fresh_client, village, DEMO_VILLAGE)
    child, version = made["id"], made["version"]
    stale = await mutation_payload(
        fresh_client, village, ARCHIVE, id=child, expectedVersion=version + 5,
        reason="MOVED_AWAY",
    )  # fmt: skip
    assert codes(stale) == [("VERSION_CONFLICT", "expectedVersion")]
    assert stale["current"] == {"id": child, "version": version, "status": "ACTIVE"}

    archived = await mutation_payload(
        fresh_client, village, ARCHIVE, id=child, expectedVersion=version,
        reason="PARENTS_RETURNED",
    )  # fmt: skip
    assert archived["errors"] == []
    assert archived["child"]["status"] == "ARCHIVED"
    assert archived["child"]["archivedReason"] == "PARENTS_RETURNED"
    assert await world.scalar(
        "SELECT archived_at IS NOT NULL FROM children WHERE id = :c", c=key_of(child)
    )
    twice = await mutation_payload(
        fresh_client, village, ARCHIVE, id=child, expectedVersion=archived["child"]["version"],
        reason="PARENTS_RETURNED",
    )  # fmt: skip
    assert codes(twice) == [("ALREADY_ARCHIVED", "id")]
    assert twice["current"]["status"] == "ARCHIVED"
    # An archived child gets no new guardian.
    refused = await mutation_payload(
        fresh_client, village, ENTRUST, childId=child, guardianName="李四", relation="FRIEND"
    )
    assert codes(refused) == [("CHILD_ARCHIVED", "childId")]
