"""Intake for any report: a report about a child not on file opens the case and a
provisional file, which the village completes or merges into the child's file; the reporter
asks the case's status by its number, and nobody else learns anything by it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from httpx import AsyncClient

from app.domain.idnumber import make_id_number
from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE
from tests import factories
from tests.documents import mutation
from tests.graphql import gid, mutation_payload, query_data
from tests.world import World, key_of

INTAKE = mutation(
    "reportIntake", "ReportIntakeInput",
    "caseNumber case { id caseNumber stage areaCode version child { id } }",
)  # fmt: skip
MERGE = mutation(
    "mergeProvisionalChild", "MergeProvisionalChildInput", "child { id status version }"
)
UPDATE_CHILD = mutation("updateChild", "UpdateChildInput", "child { id status version }")
STATUS = """
query($number: String!) {
  caseStatus(caseNumber: $number) { caseNumber stage stageLabel open lastUpdatedOn }
}
"""
CHILD = """
query($id: ID!) {
  node(id: $id) {
    ... on Child { id name gender status areaCode birthDate version archivedReason mergedIntoId }
  }
}
"""
CASE = """
query($id: ID!) {
  node(id: $id) {
    ... on Case { id caseNumber child { id } reporter { name publicName phone protected }
      events(first: 20) { edges { node { kind note } } } }
  }
}
"""
NUMBER = re.compile(rf"^{DEMO_COUNTY}-\d{{4}}-\d{{5}}$")
HOTLINE_CALL = {
    "category": "GUARDIAN_NEGLECT",
    "description": "12355 来电：一名约八岁男孩长期独自在家，无人照料。",
    "source": "HOTLINE",
    "reporterName": "张女士",
    "reporterPhone": "138 0000 0000",
    "child": {
        "name": "小明", "gender": "MALE", "approximateAge": 8,
        "villageCode": DEMO_VILLAGE, "place": "村东头小卖部旁",
    },
}  # fmt: skip


async def _intake(client: AsyncClient, token: str, **fields: Any) -> dict[str, Any]:
    return await mutation_payload(client, token, INTAKE, **fields)


async def _node(client: AsyncClient, token: str, query: str, node_id: str) -> Any:
    return (await query_data(client, token, query, id=node_id))["node"]


async def _child_of(world: World, number: str) -> str:
    return gid(
        "Child", await world.scalar("SELECT child_id FROM cases WHERE case_number = :n", n=number)
    )


async def _children_counted(world: World) -> int:
    counted: int = await world.scalar(
        "SELECT children FROM area_quarter_statistics WHERE area_code = :v "
        "ORDER BY quarter DESC LIMIT 1",
        v=DEMO_VILLAGE,
    )
    return counted


async def test_a_hotline_report_opens_a_case_and_a_provisional_file_the_village_completes(
    fresh_client: AsyncClient, world: World
) -> None:
    county, village = await world.token("demo-county"), await world.token("demo-village")
    counted = await _children_counted(world)
    made = await _intake(fresh_client, county, **HOTLINE_CALL)
    assert made["errors"] == [], made
    number = made["caseNumber"]
    assert NUMBER.match(number) and made["case"]["caseNumber"] == number
    assert made["case"]["areaCode"] == DEMO_VILLAGE and made["case"]["stage"] == "REPORTED"
    child_id = await _child_of(world, number)
    # The provisional file lies in the village, for its director; statistics do not count it.
    child = await _node(fresh_client, village, CHILD, child_id)
    assert child["status"] == "PROVISIONAL" and child["areaCode"] == DEMO_VILLAGE
    assert child["name"] == "小明" and child["gender"] == "MALE"
    assert date.fromisoformat(child["birthDate"]).year in (2017, 2018)
    assert await _children_counted(world) == counted
    # The caller from the public is protected: the police see them (a case reported to them),
    # the village director not.
    seen = await _node(fresh_client, await world.token("demo-police"), CASE, made["case"]["id"])
    assert seen["reporter"]["protected"] is True
    assert (seen["reporter"]["publicName"], seen["reporter"]["phone"]) == ("张女士", "13800000000")
    assert (await _node(fresh_client, village, CASE, made["case"]["id"]))["reporter"] is None
    # The village completes the file: a child on file, counted from now on.
    completed = await mutation_payload(
        fresh_client, village, UPDATE_CHILD, id=child_id, expectedVersion=child["version"],
        child={"birthDate": "2018-03-02",
               "idNumber": make_id_number("420702", date(2018, 3, 2), 991)},
    )  # fmt: skip
    assert completed["errors"] == [], completed
    assert completed["child"]["status"] == "ACTIVE"
    assert await _children_counted(world) == counted + 1


async def test_a_police_report_is_merged_into_the_childs_file_with_both_histories(
    fresh_client: AsyncClient, world: World
) -> None:
    police, village = await world.token("demo-police"), await world.token("demo-village")
    on_file = await factories.child(fresh_client, village, DEMO_VILLAGE)
    earlier = await factories.case(fresh_client, village, on_file["id"])
    made = await _intake(
        fresh_client, police, category="SUSPECTED_ABUSE_OR_INJURY",
        description="出警发现一名女孩身上有多处伤痕。",
        child={"name": "小红", "gender": "FEMALE", "birthDate": "2016-09-01",
               "villageCode": DEMO_VILLAGE},
    )  # fmt: skip
    assert made["errors"] == [], made
    case_id, provisional_id = made["case"]["id"], await _child_of(world, made["caseNumber"])
    provisional = await _node(fresh_client, village, CHILD, provisional_id)
    # The provisional file's own history: a visit the director made to check on it.
    await factories.visit(fresh_client, village, provisional_id)
    provisional = await _node(fresh_client, village, CHILD, provisional_id)
    # Only the village director and the township of the file's village merge it.
    for username in ("demo-village2", "demo-police", "demo-county", "demo-school"):
        refused = await mutation_payload(
            fresh_client, await world.token(username), MERGE, provisionalId=provisional_id,
            expectedVersion=provisional["version"], intoChildId=on_file["id"],
        )  # fmt: skip
        assert refused["child"] is None, username
        assert refused["errors"][0]["code"] in {"NOT_FOUND", "FORBIDDEN"}, username
    merged = await mutation_payload(
        fresh_client, village, MERGE, provisionalId=provisional_id,
        expectedVersion=provisional["version"], intoChildId=on_file["id"],
    )  # fmt: skip
    assert merged["errors"] == [], merged
    assert merged["child"]["id"] == on_file["id"]
    case = await _node(fresh_client, village, CASE, case_id)
    assert case["child"]["id"] == on_file["id"]
    kinds = [edge["node"]["kind"] for edge in case["events"]["edges"]]
    assert kinds == ["REPORTED", "MERGED"]
    archived = await _node(fresh_client, village, CHILD, provisional_id)
    assert (archived["status"], archived["archivedReason"]) == ("ARCHIVED", "DUPLICATE")
    assert archived["mergedIntoId"] == on_file["id"]
    visits = await world.scalar(
        "SELECT count(*) FROM visits WHERE child_id = :c", c=key_of(on_file["id"])
    )
    assert visits == 1
    # The child's earlier case is untouched, beside the merged one.
    assert (await _node(fresh_client, village, CASE, earlier["id"]))["child"]["id"] == on_file["id"]
    again = await mutation_payload(
        fresh_client, village, MERGE, provisionalId=provisional_id,
        expectedVersion=archived["version"], intoChildId=on_file["id"],
    )  # fmt: skip
    assert [e["code"] for e in again["errors"]] == ["NOT_PROVISIONAL"]


async def test_only_the_reporting_unit_learns_the_status_by_number(
    fresh_client: AsyncClient, world: World
) -> None:
    centre = await world.token("demo-centre")
    made = await _intake(fresh_client, centre, **HOTLINE_CALL)
    assert made["errors"] == [], made
    number = made["caseNumber"]
    status = (await query_data(fresh_client, centre, STATUS, number=number))["caseStatus"]
    assert status["caseNumber"] == number
    assert (status["stage"], status["stageLabel"], status["open"]) == ("REPORTED", "强制报告", True)
    assert date.fromisoformat(status["lastUpdatedOn"])
    # Another unit, even one that sees the case, learns nothing; nor does a number not a case's.
    for username in ("demo-county", "demo-village", "demo-township", "demo-police", "demo-school"):
        token = await world.token(username)
        assert (await query_data(fresh_client, token, STATUS, number=number))["caseStatus"] is None
    for unknown in (f"{DEMO_COUNTY}-2026-99999", "not a number"):
        assert (await query_data(fresh_client, centre, STATUS, number=unknown))[
            "caseStatus"
        ] is None


async def test_a_report_names_its_child_by_the_file_or_a_description_not_both(
    fresh_client: AsyncClient, world: World
) -> None:
    county, village = await world.token("demo-county"), await world.token("demo-village")
    on_file = await factories.child(fresh_client, village, DEMO_VILLAGE)
    before = await world.counts()
    both = await _intake(fresh_client, county, childId=on_file["id"], **HOTLINE_CALL)
    neither = await _intake(
        fresh_client, county, **{k: v for k, v in HOTLINE_CALL.items() if k != "child"}
    )
    assert [(e["code"], e["field"]) for e in both["errors"]] == [
        ("CHILD_ID_OR_DESCRIPTION", "child")
    ]
    assert [(e["code"], e["field"]) for e in neither["errors"]] == [
        ("CHILD_ID_OR_DESCRIPTION", "childId")
    ]
    assert await world.counts() == before
    # About a child on file it is a report as ever, with its number.
    known = await _intake(
        fresh_client, village, childId=on_file["id"], category="OTHER", description="情绪低落。"
    )
    assert known["errors"] == [] and NUMBER.match(known["caseNumber"])
    assert known["case"]["child"]["id"] == on_file["id"]


async def test_who_may_take_in_a_report_about_a_child_not_on_file(
    fresh_client: AsyncClient, world: World
) -> None:
    for username in ("demo-village", "demo-school", "demo-ngo"):
        refused = await _intake(fresh_client, await world.token(username), **HOTLINE_CALL)
        assert refused["case"] is None and refused["errors"][0]["code"] in {"FORBIDDEN"}, username
    township = await world.token("demo-township")
    in_township = HOTLINE_CALL | {"child": {"name": "小刚", "gender": "MALE", "approximateAge": 12,
                                            "townshipCode": DEMO_TOWNSHIP}}  # fmt: skip
    made = await _intake(fresh_client, township, **in_township)
    assert made["errors"] == [] and made["case"]["areaCode"] == DEMO_TOWNSHIP
    bad_place = HOTLINE_CALL | {"child": {"name": "小刚", "gender": "MALE", "approximateAge": 12,
                                          "villageCode": "420702100999"}}  # fmt: skip
    refused = await _intake(fresh_client, township, **bad_place)
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("INVALID_AREA", "child.villageCode")
    ]
