"""Issue 14's story, as the people who run a case would live it (README: "A case, end to
end"): each chapter a test, each step through the API as the person who takes it."""

from __future__ import annotations

from datetime import date
from typing import Any

from httpx import AsyncClient

from app.domain.idnumber import make_id_number
from app.seed.demo import DEMO_VILLAGE
from tests import factories
from tests.documents import mutation
from tests.graphql import gid, mutation_payload, query_data
from tests.world import World, key_of

CASE = "case { id version stage category closeReason nextActions child { id } }"
REPORT = mutation("reportConcern", "ReportConcernInput", CASE)
INTAKE = mutation("reportIntake", "ReportIntakeInput", f"caseNumber {CASE}")
STATUS = "query($number: String!) { caseStatus(caseNumber: $number) { stage open } }"
UPDATE_CHILD = mutation("updateChild", "UpdateChildInput", "child { id status version }")
CHILD = "query($id: ID!) { node(id: $id) { ... on Child { id status version } } }"
STEP_INPUTS = {
    "startEmergencyResponse": "CaseStepInput",
    "startAssessment": "CaseStepInput",
    "completeAssessment": "CompleteAssessmentInput",
    "recordMeasure": "RecordMeasureInput",
    "referCase": "ReferCaseInput",
    "startFollowUp": "CaseStepInput",
    "closeCase": "CloseCaseInput",
    "closeAsUnfounded": "CloseCaseInput",
    "recordNotReturned": "CaseStepInput",
    "sendWrittenReport": "WrittenReportInput",
}
ANSWER = mutation(
    "acceptReferral", "AcceptReferralInput", "referral { id status version } current { id }"
)
CASE_READ = """
query($id: ID!) { node(id: $id) { ... on Case {
  id stage nextActions closeReason
  referrals { id version status organization { name kind } }
  events(first: 50) { edges { node { kind toStage measure note who { name role }
    measureDetails { court issuedOn expiresOn } } } }
} } }
"""


class Case:
    """A case as the story moves it along: its id and the version last seen."""

    def __init__(self, made: dict[str, Any]) -> None:
        self.id: str = made["id"]
        self.version: int = made["version"]

    async def step(
        self, client: AsyncClient, token: str, name: str, **fields: Any
    ) -> dict[str, Any]:
        """Take a step as the token's holder; it must be accepted."""
        document = mutation(name, STEP_INPUTS[name], CASE)
        payload = await mutation_payload(
            client, token, document, caseId=self.id, expectedVersion=self.version, **fields
        )
        assert payload["errors"] == [], (name, payload["errors"])
        case: dict[str, Any] = payload["case"]
        self.version = case["version"]
        return case


async def _read(client: AsyncClient, token: str, case_id: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = (await query_data(client, token, CASE_READ, id=case_id))["node"]
    return node


async def test_a_hotline_report_runs_from_intake_to_a_protection_order_and_closes(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township, police, county, centre, legal_aid = [
        await world.token(u)
        for u in (
            "demo-village", "demo-township", "demo-police", "demo-county", "demo-centre",
            "demo-legalaid",
        )
    ]  # fmt: skip
    # A neighbour calls the 12355 hotline (run by county civil affairs) about a boy nobody has
    # a file for: the intake opens the case, with a number, and a provisional file.
    taken = await mutation_payload(
        fresh_client, county, INTAKE, category="SUSPECTED_DOMESTIC_VIOLENCE",
        description="12355 来电：邻居听到孩子哭喊，身上有伤。", source="HOTLINE",
        reporterName="王女士",
        child={"name": "小军", "gender": "MALE", "approximateAge": 9, "villageCode": DEMO_VILLAGE},
    )  # fmt: skip
    assert taken["errors"] == [], taken
    case = Case(taken["case"])
    status = await query_data(fresh_client, county, STATUS, number=taken["caseNumber"])
    assert status["caseStatus"]["stage"] == "REPORTED"
    # The village director completes the provisional file.
    # (The county sees numbers, not children's files: the village finds it in its own list.)
    child_id = gid(
        "Child", await world.scalar("SELECT child_id FROM cases WHERE id = :id", id=key_of(case.id))
    )
    provisional = (await query_data(fresh_client, village, CHILD, id=child_id))["node"]
    assert provisional["status"] == "PROVISIONAL"
    completed = await mutation_payload(
        fresh_client, village, UPDATE_CHILD, id=child_id, expectedVersion=provisional["version"],
        child={"birthDate": "2017-06-01",
               "idNumber": make_id_number("420702", date(2017, 6, 1), 993)},
    )  # fmt: skip
    assert completed["errors"] == [] and completed["child"]["status"] == "ACTIVE"

    # The police respond at once and admonish the father (训诫).
    await case.step(fresh_client, police, "startEmergencyResponse")
    await case.step(fresh_client, police, "recordMeasure", measure="ADMONITION", note="当面训诫")

    # The township hands the case to the county bureau, which refers it to the protection
    # centre and to legal aid at once: both accept, and the county keeps the case.
    await case.step(
        fresh_client, township, "referCase", organizationId=str(await world.org_of("demo-county"))
    )
    for receiver in ("demo-centre", "demo-legalaid"):
        organization = str(await world.org_of(receiver))
        await case.step(fresh_client, county, "referCase", organizationId=organization)
    for token, kind in ((centre, "PROTECTION_CENTRE"), (legal_aid, "LEGAL_AID")):
        seen = await _read(fresh_client, token, case.id)
        assert seen is not None
        referral = next(r for r in seen["referrals"] if r["organization"]["kind"] == kind)
        answered = await mutation_payload(
            fresh_client, token, ANSWER, referralId=referral["id"],
            expectedVersion=referral["version"],
        )  # fmt: skip
        assert answered["errors"] == [] and answered["referral"]["status"] == "ACCEPTED"
    by_county = await _read(fresh_client, county, case.id)
    assert by_county is not None
    assert sorted(r["status"] for r in by_county["referrals"]) == ["ACCEPTED"] * 2 + ["SENT"]

    # The centre assesses, the court's protection order is recorded with its dates, the
    # village follows up, the township closes.
    await case.step(fresh_client, centre, "startAssessment")
    await case.step(fresh_client, centre, "completeAssessment", plan="由祖母照料，每周走访。")
    order = {"court": "梁子湖区人民法院", "issuedOn": "2026-11-20", "expiresOn": "2027-05-20"}
    await case.step(
        fresh_client, centre, "recordMeasure", measure="PROTECTION_ORDER", protectionOrder=order
    )
    await case.step(fresh_client, village, "startFollowUp")
    closed = await case.step(fresh_client, township, "closeCase", reason="孩子安全，监护到位。")
    assert closed["stage"] == "CLOSED"

    history = await _read(fresh_client, county, case.id)
    assert history is not None
    steps = [
        (e["node"]["kind"], e["node"]["toStage"] or e["node"]["measure"])
        for e in history["events"]["edges"]
    ]
    assert [s for s in steps if s[0] in ("STAGE_CHANGE", "MEASURE")] == [
        ("STAGE_CHANGE", "EMERGENCY_RESPONSE"),
        ("MEASURE", "ADMONITION"),
        ("STAGE_CHANGE", "ASSESSMENT"),
        ("STAGE_CHANGE", "ASSISTANCE"),
        ("STAGE_CHANGE", "INTERVENTION"),
        ("MEASURE", "PROTECTION_ORDER"),
        ("STAGE_CHANGE", "FOLLOW_UP"),
        ("STAGE_CHANGE", "CLOSED"),
    ]
    protection = next(
        e["node"] for e in history["events"]["edges"] if e["node"]["measure"] == "PROTECTION_ORDER"
    )
    assert protection["measureDetails"] == {
        "court": "梁子湖区人民法院", "issuedOn": "2026-11-20", "expiresOn": "2027-05-20",
    }  # fmt: skip
    assert protection["who"]["role"] == "PROTECTION_CENTRE"


async def test_a_second_report_about_the_same_child_joins_the_case(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    first = await mutation_payload(
        fresh_client, village, REPORT, childId=child["id"], category="GUARDIAN_NEGLECT",
        description="孩子常常一个人在家，没有饭吃。",
    )  # fmt: skip
    second = await mutation_payload(
        fresh_client, township, REPORT, childId=child["id"], category="GUARDIAN_NEGLECT",
        description="督导走访时发现孩子无人照看。",
    )  # fmt: skip
    assert first["errors"] == second["errors"] == []
    assert second["case"]["id"] == first["case"]["id"]
    opened = await world.scalar(
        "SELECT count(*) FROM cases WHERE child_id = (SELECT child_id FROM cases WHERE id = :id)",
        id=key_of(first["case"]["id"]),
    )
    assert opened == 1


async def test_an_unfounded_report_closes_in_one_step(
    fresh_client: AsyncClient, world: World
) -> None:
    village, police = await world.token("demo-village"), await world.token("demo-police")
    township = await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    reported = await mutation_payload(
        fresh_client, village, REPORT, childId=child["id"], category="MISSING",
        description="孩子一天没回家。",
    )  # fmt: skip
    case = Case(reported["case"])
    await case.step(fresh_client, police, "startEmergencyResponse")
    closed = await case.step(
        fresh_client, township, "closeAsUnfounded", reason="孩子在亲戚家，已找到。"
    )
    assert closed["stage"] == "CLOSED"
    assert closed["closeReason"] == "孩子在亲戚家，已找到。"
    history = await _read(fresh_client, township, case.id)
    assert history is not None
    notes = [e["node"]["note"] for e in history["events"]["edges"] if e["node"]["note"]]
    assert "核查不实：孩子在亲戚家，已找到。" in notes


async def test_a_dropout_case_runs_its_own_path_to_the_written_report(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    reported = await mutation_payload(
        fresh_client, village, REPORT, childId=child["id"], category="DROPOUT",
        description="开学两周未到校。",
    )  # fmt: skip
    case = Case(reported["case"])
    assert reported["case"]["stage"] == "PERSUASION"
    assert "START_EMERGENCY_RESPONSE" not in reported["case"]["nextActions"]
    await case.step(fresh_client, village, "recordNotReturned", note="家长拒绝送孩子返校")
    followed = await case.step(
        fresh_client, village, "sendWrittenReport", report="劝返无效，书面报告区教育局和乡镇。"
    )
    assert followed["stage"] == "FOLLOW_UP"
    recipients = await world.scalar(
        "SELECT array_length(recipient_organization_ids, 1) FROM case_events "
        "WHERE case_id = :id AND kind = 'written_report'",
        id=key_of(case.id),
    )
    assert recipients == 2
