"""Issue 11's validation gaps, each a typed error through the API with nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text

from app.domain.idnumber import make_id_number
from app.seed.demo import DEMO_COUNTY, DEMO_VILLAGE
from tests import factories
from tests.conftest import TODAY
from tests.documents import (
    ASSESS,
    CONFIRM,
    ENTRUST,
    RECORD_VISIT,
    REGISTER_CHILD,
    REGISTER_HOUSEHOLD,
    UPDATE_PARENT,
    child_input,
    household_input,
)
from tests.graphql import gid, mutation_payload, query_data
from tests.world import World, key_of

RECORD_CASE_VISIT = """
mutation($input: RecordVisitInput!) {
  recordVisit(input: $input) { visit { id kind caseId } errors { code field message } }
}
"""
GUARDIANS = """
query($id: ID!) { child(id: $id) {
  hasConfirmedGuardian activeGuardian { id guardianName startsOn }
  guardianships { id guardianName status startsOn endsOn }
} }
"""


def codes(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["code"], e["field"]) for e in result["errors"]]


def visit_input(child: str, **overrides: Any) -> dict[str, Any]:
    return {
        "childId": child, "visitedAt": datetime.now(UTC).isoformat(), "kind": "ROUTINE",
        "livingConditions": "GOOD", "guardianship": "GOOD", "schooling": "GOOD",
        "health": "GOOD", "mentalState": "GOOD", **overrides,
    }  # fmt: skip


async def writes(world: World, action: str) -> int:
    count: int = await world.scalar("SELECT count(*) FROM audit_events WHERE action = :a", a=action)
    return count


async def a_village_child(client: AsyncClient, world: World) -> uuid.UUID:
    """A new child of the demo village, registered by its director."""
    child = await factories.child(client, await world.token("demo-village"), DEMO_VILLAGE)
    return uuid.UUID(key_of(child["id"]))


async def test_a_visit_before_the_childs_birth_is_refused(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child_id = await a_village_child(fresh_client, world)
    birth: date = await world.scalar("SELECT birth_date FROM children WHERE id = :c", c=child_id)
    before = datetime.combine(birth - timedelta(days=1), datetime.min.time(), UTC)
    refused = await mutation_payload(
        fresh_client, village, RECORD_VISIT,
        **visit_input(gid("Child", child_id), visitedAt=before.isoformat()),
    )  # fmt: skip
    assert codes(refused) == [("BEFORE_BIRTH", "visitedAt")]
    assert await writes(world, "recordVisit") == 0


async def test_work_province_must_be_a_province_of_the_area_table(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    parents = [
        {"relation": "FATHER", "name": "张伟", "status": "WORKING_AWAY", "workProvinceCode": "99"},
        {"relation": "MOTHER", "name": "李芳", "status": "WORKING_AWAY", "workProvinceCode": "ZZ"},
    ]
    refused = await mutation_payload(fresh_client, village, REGISTER_HOUSEHOLD,
                            **household_input(parents=parents))  # fmt: skip
    assert codes(refused) == [
        ("INVALID_AREA", "parents.0.workProvinceCode"),
        ("INVALID_AREA", "parents.1.workProvinceCode"),
    ]
    # Guangdong, outside the demo data's Hubei, is a real province.
    parents[0]["workProvinceCode"] = parents[1]["workProvinceCode"] = "44"
    made = await mutation_payload(fresh_client, village, REGISTER_HOUSEHOLD,
                         **household_input(parents=parents))  # fmt: skip
    assert made["errors"] == []
    father = made["household"]["parents"][0]
    moved = await mutation_payload(
        fresh_client,
        village,
        UPDATE_PARENT,
        id=father["id"],
        expectedVersion=1,
        parent={
            "relation": "FATHER",
            "name": "张伟",
            "status": "WORKING_AWAY",
            "workProvinceCode": "4401",
        },
    )
    assert codes(moved) == [("INVALID_AREA", "parents.0.workProvinceCode")]
    assert await writes(world, "updateParent") == 0


async def test_a_household_has_one_father_and_one_mother(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    two_fathers = [
        {"relation": "FATHER", "name": "张伟", "status": "AT_HOME"},
        {"relation": "FATHER", "name": "张强", "status": "WORKING_AWAY"},
    ]
    refused = await mutation_payload(fresh_client, village, REGISTER_HOUSEHOLD,
                            **household_input(parents=two_fathers))  # fmt: skip
    assert codes(refused) == [("DUPLICATE_PARENT", "parents.1.relation")]
    assert await writes(world, "registerHousehold") == 0
    made = await mutation_payload(fresh_client, village, REGISTER_HOUSEHOLD, **household_input())
    mother = made["household"]["parents"][1]
    # The mother's record edited into a second father.
    changed = await mutation_payload(fresh_client, village, UPDATE_PARENT, id=mother["id"],
                            expectedVersion=1, parent={"relation": "FATHER", "name": "李芳",
                                                       "status": "WORKING_AWAY"})  # fmt: skip
    assert codes(changed) == [("DUPLICATE_PARENT", "parents.0.relation")]
    kept = await mutation_payload(fresh_client, village, UPDATE_PARENT, id=mother["id"],
                         expectedVersion=1, parent={"relation": "MOTHER", "name": "李芳",
                                                    "status": "AT_HOME"})  # fmt: skip
    assert kept["errors"] == []


async def test_a_3_year_old_is_not_in_school_nor_living_alone(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    made = await mutation_payload(fresh_client, village, REGISTER_HOUSEHOLD, **household_input())
    household = made["household"]["id"]
    birth = datetime.now(UTC).date() - timedelta(days=3 * 365 + 30)
    toddler = child_input(household, birthDate=birth.isoformat(),
                          idNumber=make_id_number("420702", birth, 901),
                          schoolStatus="IN_SCHOOL", livingArrangement="ALONE")  # fmt: skip
    refused = await mutation_payload(fresh_client, village, REGISTER_CHILD, child=toddler)
    assert codes(refused) == [
        ("AGE_MISMATCH", "schoolStatus"),
        ("AGE_MISMATCH", "livingArrangement"),
    ]
    # A 12-year-old living alone stays recordable: that is what a report is for.
    older = datetime.now(UTC).date() - timedelta(days=12 * 365 + 30)
    alone = child_input(household, birthDate=older.isoformat(),
                        idNumber=make_id_number("420702", older, 901),
                        livingArrangement="ALONE")  # fmt: skip
    assert (await mutation_payload(fresh_client, village, REGISTER_CHILD, child=alone))[
        "errors"
    ] == []


async def test_the_same_child_without_an_id_number_is_registered_once(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    made = await mutation_payload(fresh_client, village, REGISTER_HOUSEHOLD, **household_input())
    household = made["household"]["id"]
    unregistered = child_input(household, idNumber=None, noHouseholdRegistration=True)
    first = await mutation_payload(fresh_client, village, REGISTER_CHILD, child=unregistered)
    assert first["errors"] == []
    again = await mutation_payload(fresh_client, village, REGISTER_CHILD,
                          child={**unregistered, "name": " 张小明 "})  # fmt: skip
    assert codes(again) == [("DUPLICATE_CHILD", "name")]
    assert again["current"]["id"] == first["child"]["id"]
    # Twins: another name, the same birthday.
    twin = await mutation_payload(fresh_client, village, REGISTER_CHILD,
                         child={**unregistered, "name": "张小亮"})  # fmt: skip
    assert twin["errors"] == []
    # ... whose file cannot be edited into her brother's.
    update = """mutation($input: UpdateChildInput!) { updateChild(input: $input) {
        child { id } errors { code field message } current { id } } }"""
    renamed = await mutation_payload(fresh_client, village, update, id=twin["child"]["id"],
                            expectedVersion=twin["child"]["version"],
                            child={**unregistered, "name": "张小明"})  # fmt: skip
    assert codes(renamed) == [("DUPLICATE_CHILD", "name")]
    assert renamed["current"]["id"] == first["child"]["id"]
    assert await world.scalar(
        "SELECT count(*) FROM children WHERE household_id = :h", h=key_of(household)
    ) == 2  # fmt: skip


async def test_a_case_follow_up_names_its_case(fresh_client: AsyncClient, world: World) -> None:
    village = await world.token("demo-village")
    child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    case = (await factories.case(fresh_client, village, child))["id"]
    other_child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    other_case = (await factories.case(fresh_client, village, other_child))["id"]
    nameless = await mutation_payload(fresh_client, village, RECORD_CASE_VISIT,
                             **visit_input(child, kind="CASE_FOLLOW_UP"))  # fmt: skip
    assert codes(nameless) == [("REQUIRED", "caseId")]
    wrong = await mutation_payload(fresh_client, village, RECORD_CASE_VISIT, **visit_input(
        child, kind="CASE_FOLLOW_UP", caseId=other_case))  # fmt: skip
    assert codes(wrong) == [("INVALID", "caseId")]
    assert await writes(world, "recordVisit") == 0
    named = await mutation_payload(fresh_client, village, RECORD_CASE_VISIT, **visit_input(
        child, kind="CASE_FOLLOW_UP", caseId=case))  # fmt: skip
    assert named["errors"] == []
    assert named["visit"]["caseId"] == case
    assert await world.scalar(
        "SELECT case_id FROM visits WHERE id = :v", v=key_of(named["visit"]["id"])
    ) == uuid.UUID(key_of(case))  # fmt: skip


async def test_only_an_ngo_records_ngo_service_visits(
    fresh_client: AsyncClient, world: World
) -> None:
    child = gid("Child", await a_village_child(fresh_client, world))
    for user in ("demo-village", "demo-township"):
        token = await world.token(user)
        refused = await mutation_payload(fresh_client, token, RECORD_VISIT,
                                **visit_input(child, kind="NGO_SERVICE"))  # fmt: skip
        assert codes(refused) == [("FORBIDDEN", "kind")]
    assert await writes(world, "recordVisit") == 0


@pytest.mark.parametrize("days_ahead", [2, 214])
async def test_statistics_are_not_answered_for_days_to_come(
    fresh_client: AsyncClient, world: World, days_ahead: int
) -> None:
    county = await world.token("demo-county")
    ahead = (date.today() + timedelta(days=days_ahead)).isoformat()
    query = 'query($asOf: Date) { areaStatistics(areaCode: "%s", asOf: $asOf) { asOf } }'
    response = await fresh_client.post(
        "/graphql",
        json={"query": query % DEMO_COUNTY, "variables": {"asOf": ahead}},
        headers={"Authorization": f"Bearer {county}"},
    )
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FUTURE_DATE"]
    csv = await fresh_client.get(
        f"/exports/statistics.csv?area={DEMO_COUNTY}&asOf={ahead}",
        headers={"Authorization": f"Bearer {county}"},
    )
    assert csv.status_code == 400 and csv.json()["error"] == "FUTURE_DATE"
    # Today, and a past quarter, are answered.
    for day in (date.today() - timedelta(days=1), date(2026, 6, 30)):
        ok = await fresh_client.get(
            f"/exports/statistics.csv?area={DEMO_COUNTY}&asOf={day.isoformat()}",
            headers={"Authorization": f"Bearer {county}"},
        )
        assert ok.status_code == 200


async def test_a_15_year_old_is_not_entrusted_as_guardian(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    sister = datetime.now(UTC).date() - timedelta(days=15 * 365 + 40)
    refused = await mutation_payload(fresh_client, village, ENTRUST, childId=child,
                            guardianName="张小芳", relation="SIBLING",
                            idNumber=make_id_number("420702", sister, 124))  # fmt: skip
    assert codes(refused) == [("GUARDIAN_NOT_ADULT", "idNumber")]
    assert await writes(world, "entrustGuardian") == 0


async def test_a_guardianship_is_confirmed_once_the_guardian_is_assessed_capable(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    new = (await mutation_payload(fresh_client, village, ENTRUST, childId=child,
                         guardianName="王秀英", relation="GRANDPARENT",
                         agreementSigned=True))["guardianship"]  # fmt: skip
    unassessed = await mutation_payload(fresh_client, village, CONFIRM, id=new["id"],
                               expectedVersion=new["version"], agreementSigned=True)  # fmt: skip
    assert codes(unassessed) == [("GUARDIAN_NOT_ASSESSED", "id")]
    incapable = (await mutation_payload(fresh_client, village, ASSESS, id=new["id"],
                               expectedVersion=new["version"],
                               capacity="INCAPABLE"))["guardianship"]  # fmt: skip
    refused = await mutation_payload(fresh_client, village, CONFIRM, id=new["id"],
                            expectedVersion=incapable["version"], agreementSigned=True)  # fmt: skip
    assert codes(refused) == [("GUARDIAN_INCAPABLE", "id")]
    assert await writes(world, "confirmGuardianship") == 0
    assert await world.scalar(
        "SELECT confirmed_at FROM guardianships WHERE id = :g", g=key_of(new["id"])
    ) is None  # fmt: skip


async def test_a_guardian_entered_by_mistake_today_is_replaced(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    previous_start = TODAY - timedelta(days=30)
    before = await factories.guardianship(
        fresh_client, village, child, startsOn=previous_start.isoformat()
    )
    # Today the director entrusts the child to the wrong person...
    wrong = (
        await mutation_payload(
            fresh_client, village, ENTRUST, childId=child, guardianName="李四", relation="FRIEND"
        )
    )["guardianship"]
    assert wrong["status"] == "ACTIVE"
    # ... and the right guardian has looked after the child since last week.
    since = (date.fromisoformat(wrong["startsOn"]) - timedelta(days=8)).isoformat()
    right = {"childId": child, "guardianName": "王秀英", "relation": "GRANDPARENT",
             "startsOn": since, "id": str(uuid.uuid4())}  # fmt: skip
    plain = await mutation_payload(fresh_client, village, ENTRUST, **right)
    assert codes(plain) == [("INVALID_DATE", "startsOn")]
    corrected = await mutation_payload(
        fresh_client, village, ENTRUST, **right, correctsId=wrong["id"]
    )
    assert corrected["errors"] == []
    # A retry of the correction (the network failed after it) changes nothing.
    again = await mutation_payload(fresh_client, village, ENTRUST, **right, correctsId=wrong["id"])
    assert again == corrected
    file = (await query_data(fresh_client, village, GUARDIANS, id=child))["child"]
    assert file["activeGuardian"] == {
        "id": corrected["guardianship"]["id"], "guardianName": "王秀英", "startsOn": since
    }  # fmt: skip
    history = {g["id"]: g for g in file["guardianships"]}
    # The mistake is gone; the guardian before ends when the right one starts.
    assert wrong["id"] not in history
    earlier = history[before["id"]]
    assert (earlier["status"], earlier["startsOn"], earlier["endsOn"]) == (
        "ENDED", previous_start.isoformat(), since
    )  # fmt: skip
    assert await world.scalar(
        "SELECT deleted_at IS NOT NULL FROM guardianships WHERE id = :g", g=key_of(wrong["id"])
    )  # fmt: skip


async def test_only_the_active_guardianship_of_today_can_be_corrected(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    current = (await factories.guardianship(fresh_client, village, child))["id"]
    other_child = (await factories.child(fresh_client, village, DEMO_VILLAGE))["id"]
    other = (await factories.guardianship(fresh_client, village, other_child))["id"]
    entrusted = await writes(world, "entrustGuardian")
    fields = {"childId": child, "guardianName": "王秀英", "relation": "GRANDPARENT"}
    # Recorded before today: history now, to end.
    async with world.engine.begin() as conn:
        await conn.execute(
            text("UPDATE guardianships SET created_at = now() - interval '2 days' WHERE id = :g"),
            {"g": key_of(current)},
        )
    old = await mutation_payload(fresh_client, village, ENTRUST, **fields, correctsId=current)
    assert codes(old) == [("NOT_CORRECTABLE", "correctsId")]
    # Not the child's active guardianship.
    stranger = await mutation_payload(fresh_client, village, ENTRUST, **fields, correctsId=other)
    assert codes(stranger) == [("INVALID", "correctsId")]
    assert await writes(world, "entrustGuardian") == entrusted
