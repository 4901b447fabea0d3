"""The workflow by category, through the API: a dropout case's own path to the written report,
closing an unfounded report in one step, one case per situation, and `nextActions` as what
the caller may do."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE
from tests import factories
from tests.graphql import gid, query_data
from tests.world import World, key_of

CASE_FIELDS = (
    "id stage version source description dueAt stageEnteredAt reportedAt closedAt closeReason "
    "dropoutFollowUp reportedToPolice nextActions"
)

REPORT = f"""
mutation($input: ReportConcernInput!) {{
  reportConcern(input: $input) {{ case {{ {CASE_FIELDS} }} errors {{ code field }} }}
}}
"""

# CaseAction → the mutation that takes it, its input type and what it needs besides the case.
STEPS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "START_EMERGENCY_RESPONSE": ("startEmergencyResponse", "CaseStepInput", {}),
    "START_ASSESSMENT": ("startAssessment", "CaseStepInput", {}),
    "COMPLETE_ASSESSMENT": ("completeAssessment", "CompleteAssessmentInput", {"plan": "帮扶"}),
    "RECORD_MEASURE": ("recordMeasure", "RecordMeasureInput", {"measure": "WARNING_LETTER"}),
    "REFER": ("referCase", "ReferCaseInput", {}),
    "START_FOLLOW_UP": ("startFollowUp", "CaseStepInput", {}),
    "CLOSE": ("closeCase", "CloseCaseInput", {"reason": "风险已消除"}),
    "CLOSE_AS_UNFOUNDED": ("closeAsUnfounded", "CloseCaseInput", {"reason": "经核查不属实"}),
    "RECORD_RETURNED": ("recordReturnedToSchool", "CaseStepInput", {}),
    "RECORD_NOT_RETURNED": ("recordNotReturned", "CaseStepInput", {}),
    "SEND_WRITTEN_REPORT": ("sendWrittenReport", "WrittenReportInput", {"report": "劝返无效"}),
}


async def step(
    client: AsyncClient, token: str, action: str, case: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """Take the step `action` (a CaseAction's name) on the case at the version it shows."""
    name, input_type, needs = STEPS[action]
    document = f"""
mutation($input: {input_type}!) {{
  {name}(input: $input) {{ case {{ {CASE_FIELDS} }} errors {{ code field }} }}
}}
"""
    values = {"caseId": case["id"], "expectedVersion": case["version"], **needs, **fields}
    payload: dict[str, Any] = (await query_data(client, token, document, input=values))[name]
    return payload


async def report(client: AsyncClient, token: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await query_data(client, token, REPORT, input=fields))[
        "reportConcern"
    ]
    return payload


async def new_child(client: AsyncClient, world: World) -> str:
    """A new child of the demo village: no case yet."""
    child = await factories.child(client, await world.token("demo-village"), DEMO_VILLAGE)
    return str(child["id"])


async def reports_this_quarter(world: World) -> int:
    """Every report the demo village's current statistics row counts, whatever its source."""
    row = await world.row(
        "SELECT reports_school + reports_kindergarten + reports_clinic + reports_village "
        "+ reports_ngo + reports_police + reports_public + reports_hotline AS n "
        "FROM area_quarter_statistics WHERE area_code = :v ORDER BY quarter DESC LIMIT 1",
        v=DEMO_VILLAGE,
    )
    return int(row.n)


async def test_a_dropout_case_runs_its_own_path_to_the_written_report(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    opened = await report(
        fresh_client, village, childId=await new_child(fresh_client, world),
        category="DROPOUT", description="开学两周未到校。",
    )  # fmt: skip
    assert opened["errors"] == []
    case = opened["case"]
    # Persuasion for a fortnight, not the emergency response within a day.
    assert (case["stage"], case["dropoutFollowUp"]) == ("PERSUASION", "PERSUASION_UNDER_WAY")
    due = datetime.fromisoformat(case["dueAt"]) - datetime.fromisoformat(case["stageEnteredAt"])
    assert due == timedelta(days=15)
    assert case["nextActions"] == ["RECORD_RETURNED", "RECORD_NOT_RETURNED"]
    township = await world.token("demo-township")
    refused = await step(fresh_client, township, "START_EMERGENCY_RESPONSE", case)
    assert refused == {"case": None, "errors": [{"code": "INVALID_TRANSITION", "field": "caseId"}]}

    failed = await step(fresh_client, village, "RECORD_NOT_RETURNED", case)
    assert failed["errors"] == []
    case = failed["case"]
    assert (case["stage"], case["dropoutFollowUp"]) == ("PERSUASION_FAILED", "NOT_RETURNED")
    assert case["nextActions"] == ["RECORD_RETURNED", "SEND_WRITTEN_REPORT"]
    missing = await step(fresh_client, village, "SEND_WRITTEN_REPORT", case, report="  ")
    assert missing["errors"] == [{"code": "REQUIRED", "field": "report"}]

    sent = await step(
        fresh_client, village, "SEND_WRITTEN_REPORT", case, report="家长坚持让孩子外出务工。"
    )
    assert sent["errors"] == []
    case = sent["case"]
    assert (case["stage"], case["dropoutFollowUp"]) == ("FOLLOW_UP", "NOT_RETURNED")
    written = await world.row(
        "SELECT note, recipient_organization_ids AS recipients, actor_id FROM case_events "
        "WHERE case_id = :id AND kind = 'written_report'",
        id=key_of(case["id"]),
    )
    recipients = await world.rows(
        "SELECT id FROM organizations WHERE (kind = 'education_bureau' AND area_code = :county) "
        "OR (kind = 'township_office' AND area_code = :township)",
        county=DEMO_COUNTY,
        township=DEMO_TOWNSHIP,
    )
    assert len(recipients) == 2
    assert set(written.recipients) == {r.id for r in recipients}
    assert written.note == "家长坚持让孩子外出务工。"

    # Later the pupil comes back: the case closes and the school reads RETURNED.
    returned = await step(fresh_client, village, "RECORD_RETURNED", case)
    assert returned["errors"] == []
    case = returned["case"]
    assert (case["stage"], case["dropoutFollowUp"]) == ("CLOSED", "RETURNED")
    assert case["closedAt"] is not None and case["nextActions"] == []
    stages = await world.rows(
        "SELECT from_stage, to_stage FROM case_events WHERE case_id = :id "
        "AND to_stage IS NOT NULL ORDER BY occurred_at, to_stage",
        id=key_of(case["id"]),
    )
    assert [(s.from_stage, s.to_stage) for s in stages] == [
        (None, "persuasion"),
        ("persuasion", "persuasion_failed"),
        ("persuasion_failed", "follow_up"),
        ("follow_up", "closed"),
    ]


async def test_the_school_status_on_the_dropout_path_is_the_step(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    case = (
        await report(
            fresh_client,
            village,
            childId=await new_child(fresh_client, world),
            category="DROPOUT",
            description="连续五天未到校。",
        )
    )["case"]
    document = """mutation($input: DropoutFollowUpInput!) { setDropoutFollowUp(input: $input) {
        case { stage dropoutFollowUp } errors { code } } }"""
    answer = await query_data(
        fresh_client, village, document,
        input={"caseId": case["id"], "expectedVersion": case["version"], "status": "RETURNED"},
    )  # fmt: skip
    assert answer["setDropoutFollowUp"] == {
        "case": {"stage": "CLOSED", "dropoutFollowUp": "RETURNED"},
        "errors": [],
    }


async def test_an_unfounded_report_closes_in_one_step_from_emergency_response(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    township = await world.token("demo-township")
    case = (
        await report(
            fresh_client,
            village,
            childId=await new_child(fresh_client, world),
            category="LIVING_ALONE",
            description="听说孩子一个人在家。",
        )
    )["case"]
    counted = await reports_this_quarter(world)
    case = (await step(fresh_client, township, "START_EMERGENCY_RESPONSE", case))["case"]
    assert case["stage"] == "EMERGENCY_RESPONSE"
    assert "CLOSE_AS_UNFOUNDED" in case["nextActions"] and "CLOSE" not in case["nextActions"]
    still = await step(fresh_client, township, "CLOSE", case)
    assert still["errors"] == [{"code": "INVALID_TRANSITION", "field": "caseId"}]
    police = await step(fresh_client, await world.token("demo-police"), "CLOSE_AS_UNFOUNDED", case)
    assert police["errors"] == [{"code": "FORBIDDEN", "field": "caseId"}]
    no_reason = await step(fresh_client, township, "CLOSE_AS_UNFOUNDED", case, reason=" ")
    assert no_reason["errors"] == [{"code": "REQUIRED", "field": "reason"}]

    closed = await step(
        fresh_client, township, "CLOSE_AS_UNFOUNDED", case, reason="孩子与奶奶同住，情况不实。"
    )
    assert closed["errors"] == []
    assert closed["case"]["stage"] == "CLOSED"
    assert closed["case"]["closeReason"] == "孩子与奶奶同住，情况不实。"
    change = await world.row(
        "SELECT from_stage, note FROM case_events WHERE case_id = :id AND to_stage = 'closed'",
        id=key_of(case["id"]),
    )
    assert (change.from_stage, change.note) == (
        "emergency_response",
        "核查不实：孩子与奶奶同住，情况不实。",
    )
    # The report still counts.
    assert await reports_this_quarter(world) == counted


async def test_a_duplicate_report_joins_the_open_case_and_counts_once(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    township = await world.token("demo-township")
    child = await new_child(fresh_client, world)
    before = await reports_this_quarter(world)
    first = (
        await report(
            fresh_client,
            village,
            childId=child,
            category="GUARDIAN_NEGLECT",
            description="奶奶卧病在床，孩子常饿肚子。",
            reportedToPolice=False,
        )
    )["case"]
    assert await reports_this_quarter(world) == before + 1
    again_id = str(uuid.uuid4())
    duplicate = {
        "id": again_id, "childId": child, "category": "GUARDIAN_NEGLECT",
        "description": "孩子放学后无人照看。", "reportedToPolice": True,
    }  # fmt: skip
    joined = await report(fresh_client, township, **duplicate)
    assert joined["errors"] == []
    assert joined["case"]["id"] == first["id"]
    # The case is the same, told to the police now, and its description its first report's.
    assert joined["case"]["description"] == "奶奶卧病在床，孩子常饿肚子。"
    assert joined["case"]["reportedToPolice"] is True
    assert await reports_this_quarter(world) == before + 1
    events = await world.rows(
        "SELECT e.id, e.kind, e.source, e.note, e.to_stage, u.username FROM case_events e "
        "JOIN users u ON u.id = e.actor_id WHERE e.case_id = :id ORDER BY e.occurred_at",
        id=key_of(first["id"]),
    )
    assert [(e.kind, e.to_stage, e.username, e.note) for e in events] == [
        ("reported", "reported", "demo-village", None),
        ("reported", None, "demo-township", "孩子放学后无人照看。"),
    ]
    assert (events[1].id, events[1].source) == (uuid.UUID(again_id), "village")
    assert await world.scalar("SELECT count(*) FROM cases WHERE child_id = :c",
                              c=key_of(child)) == 1  # fmt: skip

    # A retry gets the same answer; the same id with other content is refused.
    retried = await report(fresh_client, township, **duplicate)
    assert retried == joined
    conflict = await report(fresh_client, township, **(duplicate | {"description": "别的"}))
    assert conflict["errors"] == [{"code": "IDEMPOTENCY_CONFLICT", "field": "id"}]
    # Another situation is another case.
    other = (
        await report(fresh_client, village, childId=child, category="MISSING", description="走失")
    )["case"]
    assert other["id"] != first["id"]
    # Once the case is closed, a new report opens a new case.
    case = (await step(fresh_client, township, "CLOSE_AS_UNFOUNDED", joined["case"]))["case"]
    assert case["stage"] == "CLOSED"
    reopened = (
        await report(
            fresh_client, village, childId=child, category="GUARDIAN_NEGLECT", description="又"
        )
    )["case"]
    assert reopened["id"] not in (first["id"], other["id"])


async def test_a_reporter_who_may_not_read_cases_gets_a_receipt_of_its_own_report(
    fresh_client: AsyncClient, world: World
) -> None:
    school = await world.token("demo-school")
    pupil = await world.scalar(
        "SELECT id FROM children WHERE school_id = :org AND status = 'active' "
        "AND deleted_at IS NULL AND id NOT IN (SELECT child_id FROM cases "
        "WHERE category = 'suspected_abuse_or_injury') ORDER BY id LIMIT 1",
        org=await world.org_of("demo-school"),
    )
    child = gid("Child", pupil)
    first = (
        await report(
            fresh_client,
            school,
            childId=child,
            category="SUSPECTED_ABUSE_OR_INJURY",
            description="手臂有淤青。",
        )
    )["case"]
    again = {
        "id": str(uuid.uuid4()), "childId": child, "category": "SUSPECTED_ABUSE_OR_INJURY",
        "description": "又见脸上有伤。",
    }  # fmt: skip
    receipt = await report(fresh_client, school, **again)
    assert receipt["errors"] == []
    # The case it joined, seen as the school's own report and nothing more.
    assert receipt["case"]["id"] == first["id"]
    assert (receipt["case"]["stage"], receipt["case"]["description"]) == (
        "REPORTED",
        "又见脸上有伤。",
    )
    assert receipt["case"]["nextActions"] == []
    retried = await report(fresh_client, school, **again)
    assert retried == receipt
    # The police see the one case, and both reports in its history.
    police = await world.token("demo-police")
    seen = await query_data(
        fresh_client, police, "query($id: ID!) { node(id: $id) { ... on Case { id } } }",
        id=first["id"],
    )  # fmt: skip
    assert seen["node"] == {"id": first["id"]}
    assert await world.scalar(
        "SELECT count(*) FROM case_events WHERE case_id = :id AND kind = 'reported'",
        id=key_of(first["id"]),
    ) == 2  # fmt: skip


# (role, category): what nextActions offers that role on a new case of that category.
OFFERED = {
    ("demo-village", "OTHER"): [],
    ("demo-township", "OTHER"): [
        "START_EMERGENCY_RESPONSE", "START_ASSESSMENT", "REFER", "CLOSE", "CLOSE_AS_UNFOUNDED",
    ],
    ("demo-police", "OTHER"): ["START_EMERGENCY_RESPONSE"],
    ("demo-county", "OTHER"): ["START_ASSESSMENT", "REFER", "CLOSE", "CLOSE_AS_UNFOUNDED"],
    ("demo-village", "DROPOUT"): ["RECORD_RETURNED", "RECORD_NOT_RETURNED"],
    ("demo-township", "DROPOUT"): [
        "REFER", "CLOSE_AS_UNFOUNDED", "RECORD_RETURNED", "RECORD_NOT_RETURNED",
    ],
}  # fmt: skip


async def a_case_for(
    client: AsyncClient, world: World, username: str, category: str
) -> dict[str, Any]:
    """A new case of `category` in the demo village that `username` sees: told to the police
    (for the police) and referred to the county bureau (for the county), as `username` sees it."""
    township = await world.token("demo-township")
    case = (
        await report(
            client,
            await world.token("demo-village"),
            childId=await new_child(client, world),
            category=category,
            description="情况待核实。",
            reportedToPolice=True,
        )
    )["case"]
    if username == "demo-county":
        bureau = str(await world.org_of("demo-county"))
        referred = await step(client, township, "REFER", case, organizationId=bureau)
        assert referred["errors"] == [], referred
    node = await query_data(
        client, await world.token(username),
        f"query($id: ID!) {{ node(id: $id) {{ ... on Case {{ {CASE_FIELDS} }} }} }}",
        id=case["id"],
    )  # fmt: skip
    assert node["node"] is not None, username
    seen: dict[str, Any] = node["node"]
    return seen


def refer_to(action: str, organization: str) -> dict[str, str]:
    """The organization a referral names; nothing for another step."""
    return {"organizationId": organization} if action == "REFER" else {}


@pytest.mark.parametrize(("username", "category"), list(OFFERED))
async def test_next_actions_are_what_this_caller_may_do_now(
    fresh_client: AsyncClient, world: World, username: str, category: str
) -> None:
    token = await world.token(username)
    # A body that takes referrals of the category (app/domain/referrals.py): the protection
    # centre, or for a dropout the county education bureau.
    centre = str(
        await world.org_of("demo-centre")
        if category != "DROPOUT"
        else await world.scalar(
            "SELECT id FROM organizations WHERE kind = 'education_bureau' AND area_code = :c",
            c=DEMO_COUNTY,
        )
    )
    case = await a_case_for(fresh_client, world, username, category)
    assert case["nextActions"] == OFFERED[(username, category)]
    # Every action offered succeeds (each on a case of its own)…
    for action in case["nextActions"]:
        fresh = await a_case_for(fresh_client, world, username, category)
        taken = await step(fresh_client, token, action, fresh, **refer_to(action, centre))
        assert taken["errors"] == [], (action, taken)
    # …and every other is refused, writing nothing.
    for action in STEPS.keys() - set(case["nextActions"]):
        refused = await step(fresh_client, token, action, case, **refer_to(action, centre))
        assert refused["case"] is None, action
        assert refused["errors"][0]["code"] in {"FORBIDDEN", "INVALID_TRANSITION"}, action
    version = await world.scalar("SELECT version FROM cases WHERE id = :id", id=key_of(case["id"]))
    assert version == case["version"]


@pytest.mark.parametrize("action", ["CLOSE_AS_UNFOUNDED", "RECORD_RETURNED", "RECORD_NOT_RETURNED",
                                    "SEND_WRITTEN_REPORT"])  # fmt: skip
async def test_the_new_steps_are_not_found_outside_the_scope(
    fresh_client: AsyncClient, world: World, action: str
) -> None:
    case = (
        await report(
            fresh_client,
            await world.token("demo-village"),
            childId=await new_child(fresh_client, world),
            category="DROPOUT",
            description="辍学",
        )
    )["case"]
    for outsider in ("demo-village2", "demo-school", "demo-ngo", "demo-city"):
        refused = await step(fresh_client, await world.token(outsider), action, case)
        assert refused == {"case": None, "errors": [{"code": "NOT_FOUND", "field": "caseId"}]}, (
            outsider
        )
    version = await world.scalar("SELECT version FROM cases WHERE id = :id", id=key_of(case["id"]))
    assert version == case["version"]
