"""A case's history through the API: each step with who took it, measures with their facts,
the reporter shown only to those whose duty needs it, hand-overs."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.seed.demo import DEMO_VILLAGE
from tests import factories
from tests.conftest import TODAY, access_token
from tests.graphql import counting_statements, graphql_body, query_data
from tests.world import World

CASE = "id version stage"
PAYLOAD = f"case {{ {CASE} }} errors {{ code field message }}"


def step(name: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}"


STEPS = {
    "startEmergencyResponse": step("startEmergencyResponse", "CaseStepInput"),
    "startAssessment": step("startAssessment", "CaseStepInput"),
    "completeAssessment": step("completeAssessment", "CompleteAssessmentInput"),
    "recordMeasure": step("recordMeasure", "RecordMeasureInput"),
    "referCase": step("referCase", "ReferCaseInput"),
    "assignCase": step("assignCase", "AssignCaseInput"),
}

TIMELINE = """
query($id: ID!) { node(id: $id) { ... on Case {
  reporter { name role source protected organization { name } }
  assignee { name role }
  events(first: 50) { totalCount edges { node {
    id kind occurredAt fromStage toStage note measure
    who { name role organization { name } }
    referredOrganization { name }
    handedFrom { name } handedTo { name role }
    measureDetails { place startsOn endsOn court issuedOn expiresOn filedOn outcome
      parentsRefusingSince refusalPeriodReached }
  } } }
} } }
"""


async def run(client: AsyncClient, token: str, name: str, **fields: Any) -> dict[str, Any]:
    data = await query_data(client, token, STEPS[name], input=fields)
    payload: dict[str, Any] = data[name]
    return payload


class Case:
    """A case as a test moves it along: its global id and the version to expect."""

    def __init__(self, made: dict[str, Any]) -> None:
        self.id: str = made["id"]
        self.version: int = made["version"]

    async def step(self, client: AsyncClient, token: str, name: str, **fields: Any) -> Any:
        payload = await run(
            client, token, name, caseId=self.id, expectedVersion=self.version, **fields
        )
        if not payload["errors"]:
            self.version = payload["case"]["version"]
        return payload


async def _timeline(client: AsyncClient, token: str, case_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await query_data(client, token, TIMELINE, id=case_id))["node"]
    return node


def _events(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in node["events"]["edges"]]


async def _reported(client: AsyncClient, village: str, **overrides: Any) -> Case:
    child = await factories.child(client, village, DEMO_VILLAGE)
    made = await factories.case(
        client, village, child["id"], category="SUSPECTED_DOMESTIC_VIOLENCE", **overrides
    )
    return Case(made)


async def test_the_history_shows_each_step_with_who_took_it_and_the_measures_facts(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    township = await world.token("demo-township")
    centre = await world.token("demo-centre")
    case = await _reported(fresh_client, village)
    assert not (await case.step(fresh_client, township, "startEmergencyResponse"))["errors"]
    assert not (await case.step(fresh_client, township, "startAssessment"))["errors"]
    plan = "由祖母照料，村儿童主任每周走访。"
    assert not (await case.step(fresh_client, township, "completeAssessment", plan=plan))["errors"]
    warned = await case.step(
        fresh_client, centre, "recordMeasure", measure="WARNING_LETTER", note="向父亲送达告诫书"
    )
    assert warned["errors"] == []
    admonished = await case.step(fresh_client, centre, "recordMeasure", measure="ADMONITION")
    assert admonished["errors"] == []
    order = {"court": "梁子湖区人民法院", "issuedOn": "2026-11-20", "expiresOn": "2027-05-20"}
    ordered = await case.step(
        fresh_client, centre, "recordMeasure", measure="PROTECTION_ORDER", protectionOrder=order
    )
    assert ordered["errors"] == []
    petition = {
        "court": "梁子湖区人民法院", "filedOn": "2026-11-21",
        "parentsRefusingSince": "2026-05-21",
    }  # fmt: skip
    petitioned = await case.step(
        fresh_client, centre, "recordMeasure",
        measure="REVOCATION_PETITION", revocationPetition=petition,
    )  # fmt: skip
    assert petitioned["errors"] == []

    node = await _timeline(fresh_client, township, case.id)
    events = _events(node)
    assert node["events"]["totalCount"] == len(events)
    kinds = [(e["kind"], e["toStage"] or e["measure"]) for e in events]
    assert kinds == [
        ("REPORTED", "REPORTED"),
        ("STAGE_CHANGE", "EMERGENCY_RESPONSE"),
        ("STAGE_CHANGE", "ASSESSMENT"),
        ("STAGE_CHANGE", "ASSISTANCE"),
        ("NOTE", None),
        ("STAGE_CHANGE", "INTERVENTION"),
        ("MEASURE", "WARNING_LETTER"),
        ("NOTE", None),
        ("MEASURE", "ADMONITION"),
        ("MEASURE", "PROTECTION_ORDER"),
        ("MEASURE", "REVOCATION_PETITION"),
    ]
    assert [e["occurredAt"] for e in events] == sorted(e["occurredAt"] for e in events)
    who = [(e["who"]["name"], e["who"]["role"], e["who"]["organization"]["name"]) for e in events]
    assert who[0] == ("伯浩村儿童主任", "VILLAGE_DIRECTOR", "伯浩村村民委员会")
    assert who[1] == ("太和镇儿童督导员", "TOWNSHIP_SUPERVISOR", "太和镇人民政府")
    assert who[6] == ("梁子湖区未保中心", "PROTECTION_CENTRE", "梁子湖区未成年人救助保护中心")
    assert events[4]["note"] == plan and events[7]["note"] == "向父亲送达告诫书"
    assert events[6]["measureDetails"] is None
    assert events[9]["measureDetails"] == {
        "place": None, "startsOn": None, "endsOn": None, "court": "梁子湖区人民法院",
        "issuedOn": "2026-11-20", "expiresOn": "2027-05-20", "filedOn": None, "outcome": None,
        "parentsRefusingSince": None, "refusalPeriodReached": None,
    }  # fmt: skip
    details = events[10]["measureDetails"]
    assert (details["filedOn"], details["outcome"]) == ("2026-11-21", "PENDING")
    assert (details["parentsRefusingSince"], details["refusalPeriodReached"]) == (
        "2026-05-21",
        True,
    )
    # An event is a node of its own, seen with its case.
    event_id = events[9]["id"]
    found = await query_data(
        fresh_client, township, "query($id: ID!) { node(id: $id) { ... on CaseEvent { "
        "caseId measure } } }", id=event_id,
    )  # fmt: skip
    assert found["node"] == {"caseId": case.id, "measure": "PROTECTION_ORDER"}
    village2 = await world.token("demo-village2")
    hidden = await query_data(
        fresh_client, village2, "query($id: ID!) { node(id: $id) { id } }", id=event_id
    )
    assert hidden["node"] is None


async def test_the_reporter_is_shown_to_those_whose_duty_needs_it(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    unit = await _reported(fresh_client, village)
    public = await _reported(fresh_client, village, source="PUBLIC")
    township = await world.token("demo-township")
    bureau = await world.org_of("demo-county")
    for case in (unit, public):
        referred = await case.step(fresh_client, township, "referCase", organizationId=str(bureau))
        assert referred["errors"] == []
    seen: dict[tuple[str, str], Any] = {}
    for name in ("demo-village", "demo-township", "demo-county", "demo-centre", "demo-police"):
        token = await world.token(name)
        for label, case in (("unit", unit), ("public", public)):
            node = await _timeline(fresh_client, token, case.id)
            seen[(name, label)] = node["reporter"]
            # Who made the report is its reporter: the report's step shows them alike.
            report = next(e for e in _events(node) if e["kind"] == "REPORTED")
            assert (report["who"] is None) == (node["reporter"] is None), (name, label)
    assert seen[("demo-county", "unit")] == {
        "name": "伯浩村儿童主任", "role": "VILLAGE_DIRECTOR", "source": "VILLAGE",
        "protected": False, "organization": {"name": "伯浩村村民委员会"},
    }  # fmt: skip
    # Staff of the area, the centre and the police see a unit that reported.
    assert all(seen[(name, "unit")] is not None for name, _ in seen)
    # A member of the public: county civil affairs and the police only.
    shown = {name for (name, label), reporter in seen.items() if label == "public" and reporter}
    assert shown == {"demo-county", "demo-police"}
    assert seen[("demo-police", "public")]["protected"] is True
    # Schools and NGOs never: here they do not even see the case.
    for name in ("demo-ngo", "demo-school"):
        body = await graphql_body(
            fresh_client, await world.token(name),
            "query($id: ID!) { node(id: $id) { ... on Case { reporter { name } } } }",
            id=unit.id,
        )  # fmt: skip
        assert body["data"]["node"] is None


async def test_a_case_is_handed_over_to_a_worker_who_may_work_on_it(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    case = await _reported(fresh_client, village)
    township = await world.token("demo-township")
    user = {
        name: str(await world.scalar("SELECT id FROM users WHERE username = :u", u=name))
        for name in ("demo-centre", "demo-ngo", "demo-school", "demo-village2", "demo-police")
    }
    for name in ("demo-ngo", "demo-school", "demo-village2"):
        refused = await case.step(fresh_client, township, "assignCase", assigneeId=user[name])
        assert [e["code"] for e in refused["errors"]] == ["ASSIGNEE_NOT_ELIGIBLE"], name
        assert refused["errors"][0]["message"] == "该人员不能承办此个案"
    no_one = await case.step(
        fresh_client, township, "assignCase", assigneeId="00000000-0000-0000-0000-000000000001"
    )
    assert [e["code"] for e in no_one["errors"]] == ["ASSIGNEE_NOT_ELIGIBLE"]
    forbidden = await case.step(fresh_client, village, "assignCase", assigneeId=user["demo-centre"])
    assert [e["code"] for e in forbidden["errors"]] == ["FORBIDDEN"]
    handed = await case.step(fresh_client, township, "assignCase", assigneeId=user["demo-centre"])
    assert handed["errors"] == []
    again = await case.step(fresh_client, township, "assignCase", assigneeId=user["demo-police"])
    assert again["errors"] == []

    node = await _timeline(fresh_client, township, case.id)
    assert node["assignee"] == {"name": "太和派出所民警", "role": "POLICE"}
    handovers = [e for e in _events(node) if e["kind"] == "HANDOVER"]
    assert [(e["handedFrom"], e["handedTo"]) for e in handovers] == [
        (None, {"name": "梁子湖区未保中心", "role": "PROTECTION_CENTRE"}),
        ({"name": "梁子湖区未保中心"}, {"name": "太和派出所民警", "role": "POLICE"}),
    ]
    assert handovers[0]["who"]["name"] == "太和镇儿童督导员"


async def test_bad_measure_details_are_refused_and_nothing_is_written(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    case = await _reported(fresh_client, village)
    township = await world.token("demo-township")
    for name, extra in (
        ("startAssessment", {}),
        ("completeAssessment", {"plan": "帮扶"}),
    ):
        assert not (await case.step(fresh_client, township, name, **extra))["errors"]
    centre = await world.token("demo-centre")
    before = await world.counts()
    tomorrow = TODAY.replace(day=TODAY.day + 1).isoformat()
    cases: list[tuple[dict[str, Any], list[tuple[str, str, str | None]]]] = [
        (
            {"measure": "PROTECTION_ORDER",
             "protectionOrder": {"court": "法院", "issuedOn": "2026-11-20",
                                 "expiresOn": "2026-11-01"}},
            [("INVALID_DATES", "protectionOrder.expiresOn", "日期不能早于 2026-11-20")],
        ),
        (
            {"measure": "PROTECTION_ORDER",
             "protectionOrder": {"court": " ", "issuedOn": tomorrow}},
            [("REQUIRED", "protectionOrder.court", "此项为必填项"),
             ("FUTURE_DATE", "protectionOrder.issuedOn", "日期不能晚于今天")],
        ),
        (
            {"measure": "WARNING_LETTER",
             "placement": {"place": "姑姑家", "startsOn": "2026-11-20"}},
            [("DETAILS_NOT_FOR_MEASURE", "placement", "所填信息不属于“告诫书”")],
        ),
        (
            {"measure": "PLACEMENT",
             "placement": {"startsOn": "2026-11-20", "endsOn": "2026-11-19"}},
            [("REQUIRED", "placement.place", "此项为必填项"),
             ("INVALID_DATES", "placement.endsOn", "日期不能早于 2026-11-20")],
        ),
        (
            {"measure": "REVOCATION_PETITION",
             "revocationPetition": {"court": "法院", "filedOn": "2026-11-01",
                                    "parentsRefusingSince": "2026-11-02"}},
            [("INVALID_DATES", "revocationPetition.filedOn", "日期不能早于 2026-11-02")],
        ),
        (
            {"measure": "PLACEMENT",
             "placement": {"placeOrganizationId": "nope", "startsOn": "2026-11-20"}},
            [("INVALID_ID", "placement.placeOrganizationId", None)],
        ),
    ]  # fmt: skip
    for fields, expected in cases:
        payload = await case.step(fresh_client, centre, "recordMeasure", **fields)
        got = [(e["code"], e["field"], e["message"]) for e in payload["errors"]]
        assert [(code, field) for code, field, _ in got] == [(c, f) for c, f, _ in expected]
        pairs = zip(got, expected, strict=True)
        assert all(wanted[2] in (None, message[2]) for message, wanted in pairs), fields
    assert await world.counts() == before
    placed = await case.step(
        fresh_client, centre, "recordMeasure", measure="PLACEMENT",
        placement={"place": " 姑姑家 ", "startsOn": "2026-11-20", "endsOn": "2026-12-20"},
    )  # fmt: skip
    assert placed["errors"] == []
    node = await _timeline(fresh_client, township, case.id)
    details = _events(node)[-1]["measureDetails"]
    assert (details["place"], details["startsOn"], details["endsOn"]) == (
        "姑姑家", "2026-11-20", "2026-12-20",
    )  # fmt: skip


PAGE = """
query($first: Int!) { cases(first: $first) { edges { node { id
  reporter { name organization { name } } assignee { name }
  events(first: 3) { totalCount edges { node { kind who { name role organization { name } } } } }
} } } }
"""


async def test_a_page_of_cases_with_their_first_events_costs_a_few_statements(
    demo_client: AsyncClient, demo_db: str
) -> None:
    township = await access_token(demo_db, "demo-township")
    await query_data(demo_client, township, PAGE, first=1)  # the caller's scope, once
    counts = []
    for first in (2, 20):
        with counting_statements(demo_client) as statements:
            data = await query_data(demo_client, township, PAGE, first=first)
        edges = data["cases"]["edges"]
        assert len(edges) == first
        assert all(edge["node"]["events"]["edges"] for edge in edges)
        counts.append(len(statements))
    # One statement per kind of row, whatever the page's size: the scope's set_config, the
    # cases, the people, the first events, their counts, organizations of the cases' people
    # and of the events' (the last ones already loaded for a small page).
    assert max(counts) <= 7, counts


async def test_a_case_out_of_scope_cannot_be_handed_over(
    fresh_client: AsyncClient, world: World
) -> None:
    case = await _reported(fresh_client, await world.token("demo-village"))
    centre = str(await world.scalar("SELECT id FROM users WHERE username = 'demo-centre'"))
    for name in ("demo-village2", "demo-ngo"):
        payload = await case.step(
            fresh_client, await world.token(name), "assignCase", assigneeId=centre
        )
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], name
        assert payload["case"] is None


async def test_the_police_admonish_during_the_emergency_response(
    fresh_client: AsyncClient, world: World
) -> None:
    # Seed 004: the police respond at once, with 训诫 and an order to the parents to return;
    # a protection order waits for an assessment. The case stays in emergency response.
    police = await world.token("demo-police")
    case = await _reported(fresh_client, await world.token("demo-village"))
    assert not (await case.step(fresh_client, police, "startEmergencyResponse"))["errors"]
    admonished = await case.step(
        fresh_client, police, "recordMeasure", measure="ADMONITION", note="对父亲当面训诫"
    )
    assert admonished["errors"] == []
    assert admonished["case"]["stage"] == "EMERGENCY_RESPONSE"
    ordered = await case.step(fresh_client, police, "recordMeasure", measure="ORDER_TO_RETURN")
    assert ordered["errors"] == []
    order = {"court": "梁子湖区人民法院", "issuedOn": "2026-11-20"}
    refused = await case.step(
        fresh_client, police, "recordMeasure", measure="PROTECTION_ORDER", protectionOrder=order
    )
    assert [e["code"] for e in refused["errors"]] == ["NOT_AN_EMERGENCY_MEASURE"]
    assert refused["case"] is None
    events = _events(await _timeline(fresh_client, police, case.id))
    assert [e["measure"] for e in events if e["kind"] == "MEASURE"] == [
        "ADMONITION",
        "ORDER_TO_RETURN",
    ]
    actions = await query_data(
        fresh_client, police, "query($id: ID!) { node(id: $id) { ... on Case { nextActions } } }",
        id=case.id,
    )  # fmt: skip
    assert "RECORD_EMERGENCY_MEASURE" in actions["node"]["nextActions"]
