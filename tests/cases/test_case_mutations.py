"""Protection-case mutations: the mandatory report and every step of the workflow."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from app.seed.demo import DEMO_TOWNSHIP, DEMO_VILLAGE
from tests import factories
from tests.graphql import gid, query_data
from tests.world import World, key_of

CASE_FIELDS = "id stage version source reportedToPolice areaCode dueAt stageEnteredAt closedAt"

REPORT = f"""
mutation($input: ReportConcernInput!) {{
  reportConcern(input: $input) {{
    case {{ {CASE_FIELDS} child {{ id }} }}
    errors {{ code field message }}
  }}
}}
"""

PLAN = "联系姑姑临时照料；申请临时救助。"
NODE = "query($id: ID!) { node(id: $id) { ... on Case { id stage version } } }"


def step(name: str, input_type: str) -> str:
    return f"""
mutation($input: {input_type}!) {{
  {name}(input: $input) {{
    case {{ {CASE_FIELDS} }}
    errors {{ code field message }}
    current {{ id stage version }}
  }}
}}
"""


STEPS = {
    "startEmergencyResponse": step("startEmergencyResponse", "CaseStepInput"),
    "startAssessment": step("startAssessment", "CaseStepInput"),
    "completeAssessment": step("completeAssessment", "CompleteAssessmentInput"),
    "recordMeasure": step("recordMeasure", "RecordMeasureInput"),
    "referCase": step("referCase", "ReferCaseInput"),
    "startFollowUp": step("startFollowUp", "CaseStepInput"),
    "closeCase": step("closeCase", "CloseCaseInput"),
}


async def run_step(client: AsyncClient, token: str, name: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await query_data(client, token, STEPS[name], input=fields))[name]
    return payload


async def a_student(world: World) -> uuid.UUID:
    """A live child who is a pupil of demo-school, in the demo township."""
    child: uuid.UUID = await world.scalar(
        "SELECT id FROM children WHERE school_id = :org AND area_code LIKE :t || '%' "
        "AND status = 'active' AND deleted_at IS NULL ORDER BY id LIMIT 1",
        org=await world.org_of("demo-school"),
        t=DEMO_TOWNSHIP,
    )
    assert child is not None
    return child


async def a_village_child(client: AsyncClient, world: World) -> uuid.UUID:
    """A new child of the demo village (so with no case yet), registered by its director."""
    village = await world.token("demo-village")
    child = await factories.child(client, village, DEMO_VILLAGE)
    return uuid.UUID(key_of(child["id"]))


async def an_assessment_case(client: AsyncClient, world: World) -> tuple[str, int]:
    """A case of the demo village under assessment: reported by the village director, its
    assessment started by the township; its global id and version."""
    child = gid("Child", await a_village_child(client, world))
    case = await factories.case(client, await world.token("demo-village"), child)
    township = await world.token("demo-township")
    started = await run_step(
        client, township, "startAssessment", caseId=case["id"], expectedVersion=case["version"]
    )
    assert started["errors"] == [] and started["case"]["stage"] == "ASSESSMENT", started
    return case["id"], started["case"]["version"]


async def test_school_report_is_seen_at_once_by_police_and_township(
    fresh_client: AsyncClient, world: World
) -> None:
    school = await world.token("demo-school")
    child = await a_student(world)
    before = datetime.now().astimezone()
    data = await query_data(
        fresh_client,
        school,
        REPORT,
        input={
            "childId": gid("Child", child),
            "category": "SUSPECTED_ABUSE_OR_INJURY",
            "description": "  孩子身上多处淤青，自述被打。 ",
        },
    )
    payload = data["reportConcern"]
    assert payload["errors"] == []
    case = payload["case"]
    assert case["stage"] == "REPORTED" and case["version"] == 1
    # Defaults from the reporter (a school) and the category (seed 004: police at once).
    assert case["source"] == "SCHOOL" and case["reportedToPolice"] is True
    assert case["child"]["id"] == gid("Child", child)
    case_id = key_of(case["id"])

    row = (
        await world.rows(
            "SELECT c.area_code, c.reporter_id, c.reporter_organization_id, c.description, "
            "c.reported_at, c.stage_entered_at, c.due_at, ch.area_code AS child_area "
            "FROM cases c JOIN children ch ON ch.id = c.child_id WHERE c.id = :id",
            id=case_id,
        )
    )[0]
    assert row.area_code == row.child_area == case["areaCode"]
    assert row.reporter_id == await world.scalar(
        "SELECT id FROM users WHERE username = 'demo-school'"
    )
    assert row.reporter_organization_id == await world.org_of("demo-school")
    assert row.description == "孩子身上多处淤青，自述被打。"
    assert row.reported_at == row.stage_entered_at and row.reported_at >= before
    assert row.due_at == row.reported_at + timedelta(hours=24)
    events = await world.rows(
        "SELECT kind, to_stage, area_code FROM case_events WHERE case_id = :id", id=case_id
    )
    assert [(e.kind, e.to_stage, e.area_code) for e in events] == [
        ("reported", "reported", row.area_code)
    ]

    for username in ("demo-police", "demo-township"):
        seen = await query_data(fresh_client, await world.token(username), NODE, id=case["id"])
        assert seen["node"] == {"id": case["id"], "stage": "REPORTED", "version": 1}, username
    # The police see it through the case, child included.
    police = await world.token("demo-police")
    through = await query_data(
        fresh_client,
        police,
        "query($id: ID!) { node(id: $id) { ... on Case { child { id } } } }",
        id=case["id"],
    )
    assert through["node"]["child"]["id"] == gid("Child", child)


async def test_a_report_not_for_the_police_stays_away_from_them(
    fresh_client: AsyncClient, world: World
) -> None:
    school = await world.token("demo-school")
    payload = (
        await query_data(
            fresh_client,
            school,
            REPORT,
            input={
                "childId": gid("Child", await a_student(world)),
                "category": "DROPOUT",
                "description": "连续两周未到校。",
            },
        )
    )["reportConcern"]
    assert payload["errors"] == [] and payload["case"]["reportedToPolice"] is False
    case_gid = payload["case"]["id"]
    police = await query_data(fresh_client, await world.token("demo-police"), NODE, id=case_gid)
    assert police["node"] is None
    township = await query_data(fresh_client, await world.token("demo-township"), NODE, id=case_gid)
    assert township["node"]["id"] == case_gid


async def test_report_about_a_child_outside_the_scope_is_not_found_and_writes_nothing(
    fresh_client: AsyncClient, world: World
) -> None:
    # Not a pupil of demo-school (and in another village's file for demo-village2).
    stranger = await a_village_child(fresh_client, world)
    audits = await world.scalar("SELECT count(*) FROM audit_events")
    before = await world.counts()
    for username in ("demo-school", "demo-village2", "demo-ngo"):
        payload = (
            await query_data(
                fresh_client,
                await world.token(username),
                REPORT,
                input={
                    "childId": gid("Child", stranger),
                    "category": "MISSING",
                    "description": "找不到孩子。",
                },
            )
        )["reportConcern"]
        assert payload["case"] is None, username
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "childId")], (
            username
        )
    assert await world.counts() == before
    assert await world.scalar("SELECT count(*) FROM audit_events") == audits


async def test_report_problems_are_reported_together(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = gid("Child", await a_village_child(fresh_client, world))
    village_case, _version = await an_assessment_case(fresh_client, world)
    before = await world.counts()
    blank = (
        await query_data(
            fresh_client,
            village,
            REPORT,
            input={"childId": child, "category": "OTHER", "description": "   "},
        )
    )["reportConcern"]
    assert [(e["code"], e["field"]) for e in blank["errors"]] == [("REQUIRED", "description")]
    bad_id = (
        await query_data(
            fresh_client,
            village,
            REPORT,
            input={"id": "nope", "childId": child, "category": "OTHER", "description": "x"},
        )
    )["reportConcern"]
    assert [(e["code"], e["field"]) for e in bad_id["errors"]] == [("INVALID_ID", "id")]
    township = await world.token("demo-township")
    payload = await run_step(
        fresh_client,
        township,
        "completeAssessment",
        caseId=village_case,
        expectedVersion=1,
        plan=" ",
        note="x" * 4001,
    )
    assert sorted((e["code"], e["field"]) for e in payload["errors"]) == [
        ("REQUIRED", "plan"),
        ("TOO_LONG", "note"),
    ]
    assert await world.counts() == before


@pytest.mark.parametrize("username", ["demo-village", "demo-school"])
async def test_report_retried_with_its_id_is_one_case(
    fresh_client: AsyncClient, world: World, username: str
) -> None:
    # demo-school may report but not read cases: its retry is found all the same.
    token = await world.token(username)
    child = await (
        a_student(world) if username == "demo-school" else a_village_child(fresh_client, world)
    )
    report_id = str(uuid.uuid4())
    report = {
        "id": report_id,
        "childId": gid("Child", child),
        "category": "LIVING_ALONE",
        "description": "父母外出，孩子独自在家。",
    }
    first = (await query_data(fresh_client, token, REPORT, input=report))["reportConcern"]
    again = (await query_data(fresh_client, token, REPORT, input=report))["reportConcern"]
    assert first["errors"] == again["errors"] == []
    assert first["case"]["id"] == again["case"]["id"] == gid("Case", report_id)
    assert await world.scalar("SELECT count(*) FROM cases WHERE id = :id", id=report_id) == 1
    assert (
        await world.scalar("SELECT count(*) FROM case_events WHERE case_id = :id", id=report_id)
        == 1
    )
    other = (
        await query_data(fresh_client, token, REPORT, input={**report, "description": "另一件事。"})
    )["reportConcern"]
    assert other["case"] is None
    assert [(e["code"], e["field"]) for e in other["errors"]] == [("IDEMPOTENCY_CONFLICT", "id")]
    assert (
        await world.scalar("SELECT description FROM cases WHERE id = :id", id=report_id)
        == "父母外出，孩子独自在家。"
    )


async def test_a_case_goes_through_every_step_with_its_history(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    case = await _a_neglected_child_reported(fresh_client, world, village)
    bureau = await world.org_of("demo-county")
    closed = await _every_step_to_closed(fresh_client, world, case, bureau)
    await _the_history_has_every_step(world, key_of(case["id"]), bureau)
    # Closed is closed.
    township = await world.token("demo-township")
    case_gid, version = case["id"], closed["version"]
    after = await run_step(
        fresh_client, township, "referCase", caseId=case_gid, expectedVersion=version,
        organizationId=str(bureau),
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in after["errors"]] == [("CASE_CLOSED", "caseId")]


async def _a_neglected_child_reported(
    fresh_client: AsyncClient, world: World, village: str
) -> dict[str, Any]:
    """The village director reports a neglected child: a case the police know of at once."""
    reported = (
        await query_data(
            fresh_client,
            village,
            REPORT,
            input={
                "childId": gid("Child", await a_village_child(fresh_client, world)),
                "category": "GUARDIAN_NEGLECT",
                "description": "祖母卧病，孩子无人照料。",
            },
        )
    )["reportConcern"]
    assert reported["errors"] == []
    case: dict[str, Any] = reported["case"]
    assert case["source"] == "VILLAGE" and case["reportedToPolice"] is True
    return case


async def _every_step_to_closed(
    fresh_client: AsyncClient, world: World, case: dict[str, Any], bureau: uuid.UUID
) -> dict[str, Any]:
    """Each step, by whoever takes it, moves the case to its stage and version; the closed case."""
    village, township, centre, county = [
        await world.token(u)
        for u in ("demo-village", "demo-township", "demo-centre", "demo-county")
    ]
    case_gid = case["id"]
    # A referred case is out of the county bureau's sight until it is referred to it.
    assert (await query_data(fresh_client, county, NODE, id=case_gid))["node"] is None

    steps: list[tuple[str, str, dict[str, Any], str]] = [
        ("startEmergencyResponse", township, {"note": "已上门查看"}, "EMERGENCY_RESPONSE"),
        ("startAssessment", township, {}, "ASSESSMENT"),
        ("completeAssessment", township, {"plan": PLAN}, "ASSISTANCE"),
        ("recordMeasure", centre, {"measure": "WARNING_LETTER"}, "INTERVENTION"),
        ("referCase", township, {"organizationId": str(bureau)}, "INTERVENTION"),
        ("startFollowUp", village, {}, "FOLLOW_UP"),
        ("closeCase", township, {"reason": "已落实委托照护，回访正常。"}, "CLOSED"),
    ]  # fmt: skip
    version = case["version"]
    for name, token, extra, stage in steps:
        payload = await run_step(
            fresh_client, token, name, caseId=case_gid, expectedVersion=version, **extra
        )
        assert payload["errors"] == [], (name, payload)
        assert payload["case"]["stage"] == stage, name
        assert payload["case"]["version"] == version + 1, name
        version += 1
        if name == "startAssessment":
            entered = datetime.fromisoformat(payload["case"]["stageEnteredAt"])
            assert datetime.fromisoformat(payload["case"]["dueAt"]) == entered + timedelta(days=7)
        if name == "referCase":
            seen = await query_data(fresh_client, county, NODE, id=case_gid)
            assert seen["node"]["stage"] == "INTERVENTION"

    closed: dict[str, Any] = payload["case"]
    assert closed["closedAt"] is not None and closed["dueAt"] is None
    return closed


async def _the_history_has_every_step(world: World, case_id: str, bureau: uuid.UUID) -> None:
    """The case row and its events tell the whole story, in order."""
    row = (
        await world.rows(
            "SELECT close_reason, referred_organization_id, closed_at FROM cases WHERE id = :id",
            id=case_id,
        )
    )[0]
    assert row.close_reason == "已落实委托照护，回访正常。"
    assert row.referred_organization_id == bureau
    events = await world.rows(
        "SELECT kind, from_stage, to_stage, measure, referred_organization_id, note, actor_id "
        "FROM case_events WHERE case_id = :id ORDER BY occurred_at, change_seq",
        id=case_id,
    )
    assert [(e.kind, e.from_stage, e.to_stage) for e in events] == [
        ("reported", None, "reported"),
        ("stage_change", "reported", "emergency_response"),
        ("note", None, None),
        ("stage_change", "emergency_response", "assessment"),
        ("stage_change", "assessment", "assistance"),
        ("note", None, None),
        ("stage_change", "assistance", "intervention"),
        ("measure", None, None),
        ("referral", None, None),
        ("stage_change", "intervention", "follow_up"),
        ("stage_change", "follow_up", "closed"),
    ]
    assert events[2].note == "已上门查看"
    assert events[5].note == PLAN
    assert events[7].measure == "warning_letter"
    assert events[8].referred_organization_id == bureau
    assert events[10].note == "已落实委托照护，回访正常。"
    centre_user = await world.scalar("SELECT id FROM users WHERE username = 'demo-centre'")
    assert events[7].actor_id == centre_user


async def test_steps_the_caller_may_not_take_are_refused(
    fresh_client: AsyncClient, world: World
) -> None:
    case_gid, version = await an_assessment_case(fresh_client, world)
    before = await world.counts()
    village = await world.token("demo-village")
    township = await world.token("demo-township")

    forbidden = await run_step(
        fresh_client, village, "completeAssessment", caseId=case_gid, expectedVersion=version,
        plan="方案",
    )  # fmt: skip
    assert forbidden["case"] is None
    assert [(e["code"], e["field"]) for e in forbidden["errors"]] == [("FORBIDDEN", "caseId")]

    invalid = await run_step(
        fresh_client, township, "closeCase", caseId=case_gid, expectedVersion=version,
        reason="无需处置",
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in invalid["errors"]] == [
        ("INVALID_TRANSITION", "caseId")
    ]

    stale = await run_step(
        fresh_client, township, "completeAssessment", caseId=case_gid,
        expectedVersion=version - 1, plan="方案",
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in stale["errors"]] == [
        ("VERSION_CONFLICT", "expectedVersion")
    ]
    assert stale["current"] == {"id": case_gid, "stage": "ASSESSMENT", "version": version}

    # Another village's director does not see the case at all.
    elsewhere = await run_step(
        fresh_client, await world.token("demo-village2"), "startFollowUp", caseId=case_gid,
        expectedVersion=version,
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in elsewhere["errors"]] == [("NOT_FOUND", "caseId")]
    assert elsewhere["current"] is None

    nowhere = await run_step(
        fresh_client, township, "referCase", caseId=case_gid, expectedVersion=version,
        organizationId=str(uuid.uuid4()),
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in nowhere["errors"]] == [("NOT_FOUND", "organizationId")]
    forged = await run_step(
        fresh_client, township, "startFollowUp", caseId=gid("Child", key_of(case_gid)),
        expectedVersion=version,
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in forged["errors"]] == [("NOT_FOUND", "caseId")]

    assert await world.counts() == before
    assert (await query_data(fresh_client, township, NODE, id=case_gid))["node"][
        "version"
    ] == version
