"""A pupil registered with its school and student number: the school's absences match it,
and the school sees whether it is left-behind or in difficulty."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.seed.demo import DEMO_VILLAGE
from tests import factories
from tests.conftest import TODAY
from tests.documents import mutation
from tests.graphql import mutation_payload, query_data
from tests.world import World

SUBMIT = """
mutation($batchId: String!, $records: [AbsenceInput!]!) {
  submitAbsences(batchId: $batchId, records: $records) {
    submission { matched recorded unmatched { row reason } }
    errors { code field message }
  }
}
"""
UPDATE_CHILD = mutation("updateChild", "UpdateChildInput", "child { id version }")
PUPILS = """
query($search: String!) { children(filter: {search: $search}, first: 10) {
  edges { node { id studentNumber categories isKeyChild } } } }
"""
# Both parents away: the pupil is left-behind.
AWAY = [
    {"relation": "FATHER", "name": "刘强", "status": "WORKING_AWAY",
     "workPlace": "浙江省宁波市", "awaySince": "2024-02-01"},
    {"relation": "MOTHER", "name": "陈静", "status": "WORKING_AWAY",
     "workPlace": "广东省东莞市", "awaySince": "2025-03-01"},
]  # fmt: skip


async def _submit(client: AsyncClient, token: str, batch: str, number: str) -> dict[str, Any]:
    record = {"studentNumber": number, "date": TODAY.isoformat(), "excused": True}
    data = await query_data(client, token, SUBMIT, batchId=batch, records=[record])
    payload: dict[str, Any] = data["submitAbsences"]
    assert payload["errors"] == [], payload
    return dict(payload["submission"])


async def _organization(world: World, username: str) -> str:
    return str(
        await world.scalar("SELECT organization_id FROM users WHERE username = :u", u=username)
    )


async def test_a_pupil_registered_by_the_village_matches_its_schools_absences(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    school = await world.token("demo-school")
    school_id = await _organization(world, "demo-school")
    before = await _submit(fresh_client, school, "new-pupil-1", "XJ-2026-0042")
    assert [u["reason"] for u in before["unmatched"]] == ["UNKNOWN_STUDENT"]

    household = await factories.household(fresh_client, village, DEMO_VILLAGE, parents=AWAY)
    pupil = await factories.child(
        fresh_client, village, DEMO_VILLAGE, household_id=household["id"],
        livingArrangement="WITH_GRANDPARENTS", schoolId=school_id, studentNumber="XJ-2026-0042",
    )  # fmt: skip
    after = await _submit(fresh_client, school, "new-pupil-2", "XJ-2026-0042")
    assert (after["matched"], after["recorded"], after["unmatched"]) == (1, 1, [])
    assert (
        await world.scalar(
            "SELECT count(*) FROM absence_records WHERE batch_id = 'new-pupil-2' "
            "AND child_id = (SELECT id FROM children WHERE student_number = 'XJ-2026-0042')"
        )
        == 1
    )

    # The school sees that its pupil is left-behind, and not what only the village sees.
    seen = (await query_data(fresh_client, school, PUPILS, search="XJ-2026-0042"))["children"][
        "edges"
    ]
    mine = next(e["node"] for e in seen if e["node"]["id"] == pupil["id"])
    assert "LEFT_BEHIND" in mine["categories"]
    assert mine["studentNumber"] == "XJ-2026-0042" and mine["isKeyChild"] is None


async def test_the_school_is_checked_and_kept_by_updates_that_leave_it_out(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    school_id = await _organization(world, "demo-school")
    bureau = await _organization(world, "demo-county")
    pupil = await factories.child(
        fresh_client, village, DEMO_VILLAGE, schoolId=school_id, studentNumber="XJ-7"
    )
    for value, code in ((bureau, "INVALID"), ("not-a-uuid", "INVALID_ID")):
        refused = await mutation_payload(
            fresh_client, village, UPDATE_CHILD,
            id=pupil["id"], expectedVersion=pupil["version"], child={"schoolId": value},
        )  # fmt: skip
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [(code, "schoolId")]
    renamed = await mutation_payload(
        fresh_client, village, UPDATE_CHILD,
        id=pupil["id"], expectedVersion=pupil["version"], child={"name": "刘小明"},
    )  # fmt: skip
    assert renamed["errors"] == []
    assert (
        str(await world.scalar("SELECT school_id FROM children WHERE student_number = 'XJ-7'"))
        == school_id
    )
    cleared = await mutation_payload(
        fresh_client, village, UPDATE_CHILD,
        id=pupil["id"], expectedVersion=renamed["child"]["version"], child={"schoolId": None},
    )  # fmt: skip
    assert cleared["errors"] == []
    assert (
        await world.scalar("SELECT school_id FROM children WHERE student_number = 'XJ-7'") is None
    )
