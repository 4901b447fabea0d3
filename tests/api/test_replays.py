"""Replays answer only what the caller may see now (issue 12, findings 2 and 8).

A school or NGO that retries reportConcern gets its receipt (the report as it made it), never
the case as it is now; the id of a dropout case (a school reads it as a StudentFollowUp's) is
no client id of the school's; and a client id taken by a record the caller cannot see answers
the same whatever content is sent, as an id that cannot be used, not as a conflict.
"""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from app.domain.absences import next_school_day
from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import TODAY, TODAY_SQL
from tests.graphql import gid, query_data
from tests.world import World, key_of

REPORT = """
mutation($input: ReportConcernInput!) {
  reportConcern(input: $input) {
    case { id stage description closedAt closeReason dueAt version child { id } }
    errors { code field message }
  }
}
"""
REGISTER_HOUSEHOLD = """
mutation($input: RegisterHouseholdInput!) {
  registerHousehold(input: $input) { household { id } errors { code field message } }
}
"""
SUBMIT = """
mutation($batchId: String!, $records: [AbsenceInput!]!) {
  submitAbsences(batchId: $batchId, records: $records) {
    submission { casesOpened } errors { code }
  }
}
"""
FOLLOW_UPS = "{ studentFollowUps(first: 50) { edges { node { id student { id } } } } }"
# A pupil of the demo school; a child served by the demo NGO under a contract in force.
PUPIL = (
    "SELECT c.id FROM children c JOIN users u ON u.organization_id = c.school_id "
    "WHERE u.username = 'demo-school' AND c.area_code LIKE :township || '%' "
    "AND c.status = 'active' AND c.deleted_at IS NULL AND c.student_number IS NOT NULL "
    "AND NOT EXISTS (SELECT FROM cases WHERE child_id = c.id) ORDER BY c.id LIMIT 1"
)
SERVED = (
    "SELECT a.child_id FROM ngo_contract_children a "
    "JOIN ngo_contracts k ON k.id = a.contract_id JOIN users u ON u.organization_id = k.ngo_id "
    f"WHERE u.username = 'demo-ngo' AND k.starts_on <= {TODAY_SQL} AND k.ends_on >= {TODAY_SQL} "
    "AND a.unassigned_at IS NULL AND a.area_code LIKE :county || '%' "
    "ORDER BY a.child_id LIMIT 1"
)


async def report(client: AsyncClient, token: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await query_data(client, token, REPORT, input=fields))[
        "reportConcern"
    ]
    return payload


def instants(case: dict[str, Any]) -> dict[str, Any]:
    """A case with its moments compared as moments (a stored one reads back in UTC)."""
    return {**case, "dueAt": datetime.fromisoformat(case["dueAt"])}


def codes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


@pytest.mark.parametrize("username", ["demo-school", "demo-ngo"])
async def test_a_retried_report_is_the_receipt_not_the_case_as_it_is_now(
    fresh_client: AsyncClient, world: World, username: str
) -> None:
    token = await world.token(username)
    child = await world.scalar(
        PUPIL if username == "demo-school" else SERVED, township=DEMO_TOWNSHIP, county=DEMO_COUNTY
    )
    assert child is not None
    case_id = str(uuid.uuid4())
    sent = {
        "id": case_id,
        "childId": gid("Child", child),
        "category": "GUARDIAN_NEGLECT",
        "description": "孩子连续几天没人做饭。",
    }
    first = await report(fresh_client, token, **sent)
    assert first["errors"] == [] and first["case"]["stage"] == "REPORTED"
    # The township handles the case and closes it; the reporter may not read any of that.
    await world.execute(
        "UPDATE cases SET stage = 'closed', closed_at = now(), close_reason = '已核实，已转介' "
        "WHERE id = :id",
        id=case_id,
    )
    again = await report(fresh_client, token, **sent)
    assert again["errors"] == []
    assert instants(again["case"]) == instants(first["case"])
    assert again["case"]["closeReason"] is None and again["case"]["closedAt"] is None
    # The reporter's own report with other content is still its own mistake to hear about.
    changed = await report(fresh_client, token, **{**sent, "description": "别的事。"})
    assert codes(changed) == [("IDEMPOTENCY_CONFLICT", "id")]


async def _open_dropout_case(client: AsyncClient, world: World, token: str) -> tuple[str, str]:
    """A dropout case the rule opens for a pupil, as the school sees it: (follow-up id,
    pupil's global id)."""
    pupil = await world.scalar(PUPIL, township=DEMO_TOWNSHIP)
    number = await world.scalar("SELECT student_number FROM children WHERE id = :id", id=pupil)
    day = TODAY - timedelta(days=20)
    days: list[date] = []
    while len(days) < 3:
        day = next_school_day(day)
        days.append(day)
    records = [
        {"studentNumber": number, "date": d.isoformat(), "excused": False, "periods": 6}
        for d in days
    ]
    opened = (await query_data(client, token, SUBMIT, batchId="dropout-1", records=records))[
        "submitAbsences"
    ]
    assert opened["submission"]["casesOpened"] == 1, opened
    follow_ups = (await query_data(client, token, FOLLOW_UPS))["studentFollowUps"]["edges"]
    (mine,) = [e["node"] for e in follow_ups if e["node"]["student"]["id"] == gid("Child", pupil)]
    return mine["id"], gid("Child", pupil)


async def test_a_dropout_case_id_is_no_client_id_of_the_school(
    fresh_client: AsyncClient, world: World
) -> None:
    token = await world.token("demo-school")
    follow_up, pupil = await _open_dropout_case(fresh_client, world, token)
    case_id = base64.b64decode(follow_up).decode().split(":", 1)[1]
    description = await world.scalar("SELECT description FROM cases WHERE id = :id", id=case_id)
    before = await world.scalar("SELECT version FROM cases WHERE id = :id", id=case_id)
    # The school knows the id and the template: the exact content and a wrong guess are
    # answered alike, and neither returns the case.
    guesses = [description, description + "。", "随便写的"]
    answers = []
    for guess in guesses:
        payload = await report(
            fresh_client, token, id=case_id, childId=pupil, category="DROPOUT",
            description=guess, reportedToPolice=False, source="SCHOOL",
        )  # fmt: skip
        assert payload["case"] is None
        answers.append(codes(payload))
    assert answers == [[("INVALID_ID", "id")]] * len(guesses)
    assert await world.scalar("SELECT version FROM cases WHERE id = :id", id=case_id) == before


async def test_an_id_taken_out_of_sight_answers_alike_whatever_is_sent(
    fresh_client: AsyncClient, world: World
) -> None:
    """Another village's case and household ids, used by demo-village2 for its own records:
    the same answer with their exact content as with any other, and no record read back."""
    village, village2 = await world.token("demo-village"), await world.token("demo-village2")
    theirs = await factories.child(fresh_client, village, DEMO_VILLAGE)
    case = key_of((await factories.case(fresh_client, village, theirs["id"]))["id"])
    household = key_of((await factories.household(fresh_client, village, DEMO_VILLAGE))["id"])
    own_child = (await factories.child(fresh_client, village2, DEMO_VILLAGE2))["id"]
    stored = await world.scalar(
        "SELECT json_build_object('category', category, 'description', description) "
        "FROM cases WHERE id = :id",
        id=case,
    )
    for description in (stored["description"], "另一件事。"):
        payload = await report(
            fresh_client, village2, id=str(case), childId=own_child,
            category=stored["category"].upper(), description=description,
        )  # fmt: skip
        assert payload["case"] is None and codes(payload) == [("INVALID_ID", "id")]
    payload = (
        await query_data(
            fresh_client,
            village2,
            REGISTER_HOUSEHOLD,
            input={"id": str(household), "areaCode": DEMO_VILLAGE2, "address": "朝英村1组"},
        )
    )["registerHousehold"]
    assert payload["household"] is None and codes(payload) == [("INVALID_ID", "id")]
