"""An ID number on file out of the caller's sight (issue 12, finding 8): registering it is
refused without saying where or whose, and passed to the places of both files to reconcile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient

from app.idcrypto import unseal
from app.seed.demo import DEMO_COUNTY, DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.graphql import gid, query_data
from tests.world import World, key_of

REGISTER_CHILD = """
mutation($input: RegisterChildInput!) {
  registerChild(input: $input) { child { id } errors { code field message } current { id } }
}
"""
UPDATE_CHILD = """
mutation($input: UpdateChildInput!) {
  updateChild(input: $input) { child { id } errors { code field message } }
}
"""
REPORTS = """
{ duplicateReports(first: 20) { totalCount edges { node { areaCode existingAreaCode attempts
    reporterLabel name gender birthDate existingChild { id } } } } }
"""


# A child of another county: no demo user may register one, so it is the seed's.
OTHER_COUNTY = (
    "SELECT id, area_code, name, gender, birth_date, id_number_enc FROM children "
    "WHERE area_code NOT LIKE :county || '%' AND id_number_enc IS NOT NULL "
    "AND deleted_at IS NULL ORDER BY id LIMIT 1"
)


@dataclass(frozen=True)
class OnFile:
    """A child on file, as a registration of the same child would repeat it."""

    id: str  # the key, not the global id
    area_code: str
    name: str
    gender: str
    birth_date: str
    id_number: str


async def on_file(client: AsyncClient, token: str, area_code: str) -> OnFile:
    """A child registered in the village `area_code` by the token's holder (its director)."""
    made = await factories.child(client, token, area_code)
    read = "query($id: ID!) { child(id: $id) { name gender birthDate idNumber } }"
    child = (await query_data(client, token, read, id=made["id"]))["child"]
    return OnFile(
        key_of(made["id"]), area_code, child["name"], child["gender"], child["birthDate"],
        child["idNumber"],
    )  # fmt: skip


def of_another_county(row: Any) -> OnFile:
    """The child of a row of OTHER_COUNTY (its ID number is stored sealed)."""
    return OnFile(
        str(row.id), row.area_code, row.name, row.gender.upper(), row.birth_date.isoformat(),
        unseal(row.id_number_enc, "children.id_number"),
    )  # fmt: skip


def entry(household: str, child: OnFile) -> dict[str, Any]:
    """A registration of the child on file, word for word, in another household."""
    return {
        "householdId": household, "name": child.name, "gender": child.gender,
        "birthDate": child.birth_date, "idNumber": child.id_number,
        "livingArrangement": "WITH_GRANDPARENTS", "schoolStatus": "IN_SCHOOL",
    }  # fmt: skip


async def register(client: AsyncClient, token: str, input: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await query_data(client, token, REGISTER_CHILD, input={"child": input})
    )["registerChild"]
    return payload


async def test_a_number_on_file_out_of_sight_is_passed_on_without_a_pointer(
    fresh_client: AsyncClient, world: World
) -> None:
    village2 = await world.token("demo-village2")
    household = (await factories.household(fresh_client, village2, DEMO_VILLAGE2))["id"]
    village = await world.token("demo-village")
    same_township = await on_file(fresh_client, village, DEMO_VILLAGE)
    other_county = of_another_county(await world.row(OTHER_COUNTY, county=DEMO_COUNTY))
    children = await world.scalar("SELECT count(*) FROM children")
    answers = []
    for child in (same_township, other_county):
        payload = await register(fresh_client, village2, entry(household, child))
        assert payload["child"] is None and payload["current"] is None
        (error,) = payload["errors"]
        answers.append(error)
        # Neither where nor whose: no area code, no id, not the number itself.
        for secret in (child.id, child.id_number, DEMO_VILLAGE):
            assert secret not in error["message"]
    assert answers[0] == answers[1]
    assert (answers[0]["code"], answers[0]["field"]) == ("ID_NUMBER_UNDER_REVIEW", "idNumber")
    assert await world.scalar("SELECT count(*) FROM children") == children

    # The same attempt again is one report, brought up to date.
    await register(fresh_client, village2, entry(household, same_township))
    township = (await query_data(fresh_client, await world.token("demo-township"), REPORTS))[
        "duplicateReports"
    ]
    # Both attempts were made in its township; only one of the files on file is in it.
    assert township["totalCount"] == 2
    by_place = {e["node"]["existingAreaCode"]: e["node"] for e in township["edges"]}
    assert by_place[other_county.area_code]["existingChild"] is None
    seen = by_place[DEMO_VILLAGE]
    assert seen == {
        "areaCode": DEMO_VILLAGE2, "existingAreaCode": DEMO_VILLAGE, "attempts": 2,
        "reporterLabel": "user:demo-village2", "name": same_township.name,
        "gender": same_township.gender, "birthDate": same_township.birth_date,
        "existingChild": {"id": gid("Child", same_township.id)},
    }  # fmt: skip
    # The county sees that there is one to reconcile, not the child's details or file.
    county = (await query_data(fresh_client, await world.token("demo-county"), REPORTS))[
        "duplicateReports"
    ]
    assert [e["node"]["name"] for e in county["edges"]] == [None, None]
    assert [e["node"]["existingChild"] for e in county["edges"]] == [None, None]
    # Village directors (either side), schools and NGOs see none.
    for username in ("demo-village", "demo-village2", "demo-school", "demo-ngo", "demo-police"):
        body = await query_data(fresh_client, await world.token(username), REPORTS)
        assert body["duplicateReports"]["totalCount"] == 0, username


async def test_a_duplicate_the_caller_sees_is_named_as_before(
    fresh_client: AsyncClient, world: World
) -> None:
    township = await world.token("demo-township")
    household = (await factories.household(fresh_client, township, DEMO_VILLAGE2))["id"]
    child = await on_file(fresh_client, township, DEMO_VILLAGE)
    payload = await register(fresh_client, township, entry(household, child))
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("DUPLICATE_CHILD", "idNumber")]
    assert payload["current"] == {"id": gid("Child", child.id)}
    assert await world.scalar("SELECT count(*) FROM duplicate_reports") == 0


async def test_an_edit_to_a_number_on_file_out_of_sight_is_passed_on(
    fresh_client: AsyncClient, world: World
) -> None:
    village2 = await world.token("demo-village2")
    own = await factories.child(fresh_client, village2, DEMO_VILLAGE2)
    theirs = await on_file(fresh_client, await world.token("demo-village"), DEMO_VILLAGE)
    child = {
        "name": theirs.name, "gender": theirs.gender, "birthDate": theirs.birth_date,
        "idNumber": theirs.id_number,
    }  # fmt: skip
    payload = (
        await query_data(
            fresh_client,
            village2,
            UPDATE_CHILD,
            input={"id": own["id"], "expectedVersion": own["version"], "child": child},
        )
    )["updateChild"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("ID_NUMBER_UNDER_REVIEW", "idNumber")
    ]
    report = await world.row(
        "SELECT attempted_child_id, existing_child_id, area_code FROM duplicate_reports"
    )
    assert (str(report.attempted_child_id), str(report.existing_child_id)) == (
        key_of(own["id"]),
        theirs.id,
    )
    assert (
        await world.scalar("SELECT version FROM children WHERE id = :id", id=key_of(own["id"]))
        == own["version"]
    )
