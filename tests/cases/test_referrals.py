"""Referrals as their own records: referring adds receivers and removes no one; receivers are of
a kind that takes the case and serve the child's area; they accept, decline or complete."""

from __future__ import annotations

import uuid
from typing import Any

from httpx import AsyncClient

from app.seed.demo import DEMO_COUNTY, DEMO_VILLAGE
from tests import factories
from tests.graphql import query_data
from tests.world import World, key_of

REFER = """
mutation($input: ReferCaseInput!) {
  referCase(input: $input) {
    case { id version referrals { id status organization { name } } }
    errors { code field message }
  }
}
"""
STEP = """
mutation($input: %s!) {
  %s(input: $input) { case { id stage version } errors { code field } }
}
"""
ANSWER = """
mutation($input: %s!) {
  %s(input: $input) {
    referral { id status feedback version respondedAt completedAt case { id } }
    errors { code field message }
    current { id status version }
  }
}
"""
CASE = """
query($id: ID!) {
  node(id: $id) {
    ... on Case { id version referredOrganization { name }
      referrals { id status note feedback version organization { kind name } } }
  }
}
"""
DIRECTORY = """
query($kind: OrganizationKind, $area: String) {
  organizations(kind: $kind, areaCode: $area, first: 100) {
    totalCount edges { node { organizationId kind name areaCode } }
  }
}
"""
INBOX = """
query($status: ReferralStatus) {
  referrals(status: $status, first: 10) {
    totalCount edges { node { id status note version case { id } } }
  }
}
"""


async def _step(client: AsyncClient, token: str, name: str, input_type: str, **fields: Any) -> Any:
    return (await query_data(client, token, STEP % (input_type, name), input=fields))[name]


async def _answer(client: AsyncClient, token: str, name: str, **fields: Any) -> Any:
    input_type = name[0].upper() + name[1:] + "Input"
    return (await query_data(client, token, ANSWER % (input_type, name), input=fields))[name]


async def _case(client: AsyncClient, token: str, case_id: str) -> Any:
    return (await query_data(client, token, CASE, id=case_id))["node"]


async def _refer(client: AsyncClient, token: str, case_id: str, org: object, **extra: Any) -> Any:
    version = (await _case(client, token, case_id))["version"]
    fields = {"caseId": case_id, "expectedVersion": version, "organizationId": str(org), **extra}
    return (await query_data(client, token, REFER, input=fields))["referCase"]


async def _directory(client: AsyncClient, token: str, kind: str) -> dict[str, Any]:
    """The one organization of `kind` serving the demo village, from the directory."""
    found = await query_data(client, token, DIRECTORY, kind=kind, area=DEMO_VILLAGE)
    edges = found["organizations"]["edges"]
    assert len(edges) >= 1, kind
    node: dict[str, Any] = edges[-1]["node"]  # the nearest: the county's before the city's
    return node


async def a_county_case(client: AsyncClient, world: World, category: str) -> str:
    """A case of the demo village in assistance (a dropout: in persuasion, its own path),
    referred by the township to the county bureau: the way the county gets a case."""
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(client, village, DEMO_VILLAGE)
    case = await factories.case(client, village, child["id"], category=category)
    version = case["version"]
    assessment: tuple[tuple[str, str, dict[str, str]], ...] = (
        ("startAssessment", "CaseStepInput", {}),
        ("completeAssessment", "CompleteAssessmentInput", {"plan": "联系亲属临时照料。"}),
    )
    for name, input_type, extra in assessment if category != "DROPOUT" else ():
        done = await _step(
            client, township, name, input_type, caseId=case["id"], expectedVersion=version, **extra
        )
        assert done["errors"] == [], done
        version = done["case"]["version"]
    referred = await _refer(client, township, case["id"], await world.org_of("demo-county"))
    assert referred["errors"] == [], referred
    return str(case["id"])


async def test_referrals_add_receivers_and_the_county_keeps_the_case(
    fresh_client: AsyncClient, world: World
) -> None:
    county, centre, legal_aid = [
        await world.token(u) for u in ("demo-county", "demo-centre", "demo-legalaid")
    ]
    case_id = await a_county_case(fresh_client, world, "GUARDIAN_NEGLECT")
    # The county looks both receivers up in the directory: the centre, and the county's own
    # legal aid (the city's is there too, above it).
    protection = await _directory(fresh_client, county, "PROTECTION_CENTRE")
    aid = await _directory(fresh_client, county, "LEGAL_AID")
    assert aid["areaCode"] == DEMO_COUNTY and protection["areaCode"] == DEMO_COUNTY

    for org in (protection, aid):
        referred = await _refer(
            fresh_client, county, case_id, org["organizationId"], note="请协助跟进。"
        )
        assert referred["errors"] == [], referred
    # The same organization again while its referral is open: refused, nothing written.
    before = await world.counts()
    again = await _refer(fresh_client, county, case_id, aid["organizationId"])
    assert [(e["code"], e["field"]) for e in again["errors"]] == [
        ("ALREADY_REFERRED", "organizationId")
    ]
    assert await world.counts() == before

    seen = await _case(fresh_client, county, case_id)
    assert [(r["organization"]["kind"], r["status"]) for r in seen["referrals"]] == [
        ("LEGAL_AID", "SENT"), ("PROTECTION_CENTRE", "SENT"), ("CIVIL_AFFAIRS_BUREAU", "SENT"),
    ]  # fmt: skip
    assert seen["referredOrganization"]["name"] == aid["name"]
    assert seen["referrals"][0]["note"] == "请协助跟进。"

    # Both receivers find the referral in their inbox, and accept it.
    for token, kind in ((centre, "PROTECTION_CENTRE"), (legal_aid, "LEGAL_AID")):
        inbox = (await query_data(fresh_client, token, INBOX, status="SENT"))["referrals"]
        mine = [e["node"] for e in inbox["edges"] if e["node"]["case"]["id"] == case_id]
        assert len(mine) == 1, kind
        accepted = await _answer(
            fresh_client, token, "acceptReferral",
            referralId=mine[0]["id"], expectedVersion=mine[0]["version"],
        )  # fmt: skip
        assert accepted["errors"] == [], accepted
        assert accepted["referral"]["status"] == "ACCEPTED"
        assert accepted["referral"]["respondedAt"] is not None
    statuses = {
        r["organization"]["kind"]: r["status"]
        for r in (await _case(fresh_client, county, case_id))["referrals"]
    }
    assert statuses == {
        "LEGAL_AID": "ACCEPTED", "PROTECTION_CENTRE": "ACCEPTED",
        "CIVIL_AFFAIRS_BUREAU": "SENT",
    }  # fmt: skip

    # The county still sees the case and acts on it.
    version = (await _case(fresh_client, county, case_id))["version"]
    measured = await _step(
        fresh_client, county, "recordMeasure", "RecordMeasureInput",
        caseId=case_id, expectedVersion=version, measure="PROTECTION_ORDER",
    )  # fmt: skip
    assert measured["errors"] == [] and measured["case"]["stage"] == "INTERVENTION", measured

    # Legal aid completes its referral with feedback, and keeps reading the case.
    referral = next(
        r
        for r in (await _case(fresh_client, legal_aid, case_id))["referrals"]
        if r["organization"]["kind"] == "LEGAL_AID"
    )
    completed = await _answer(
        fresh_client, legal_aid, "completeReferral", referralId=referral["id"],
        expectedVersion=referral["version"], feedback="已代为申请人身安全保护令。",
    )  # fmt: skip
    assert completed["errors"] == [], completed
    assert completed["referral"]["status"] == "COMPLETED"
    assert completed["referral"]["feedback"] == "已代为申请人身安全保护令。"
    assert (await _case(fresh_client, legal_aid, case_id)) is not None

    events = await world.rows(
        "SELECT kind, note FROM case_events WHERE case_id = :id "
        "AND kind LIKE 'referral%' ORDER BY occurred_at, change_seq",
        id=uuid.UUID(key_of(case_id)),
    )
    assert [e.kind for e in events] == [
        "referral", "referral", "referral", "referral_accepted", "referral_accepted",
        "referral_completed",
    ]  # fmt: skip
    assert events[-1].note == "已代为申请人身安全保护令。"


async def test_receivers_out_of_kind_or_jurisdiction_are_refused(
    fresh_client: AsyncClient, world: World
) -> None:
    county = await world.token("demo-county")
    case_id = await a_county_case(fresh_client, world, "GUARDIAN_NEGLECT")
    other_station = await world.scalar(
        "SELECT id FROM organizations WHERE kind = 'police_station' "
        "AND area_code NOT LIKE :county || '%' ORDER BY area_code LIMIT 1",
        county=DEMO_COUNTY,
    )
    own_station = await world.scalar(
        "SELECT id FROM organizations WHERE kind = 'police_station' AND area_code = :t",
        t=DEMO_VILLAGE[:9],
    )
    before = await world.counts()
    for org, code in (
        (other_station, "OUTSIDE_JURISDICTION"),
        (await world.org_of("demo-school"), "RECEIVER_NOT_ALLOWED"),
    ):
        refused = await _refer(fresh_client, county, case_id, org)
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [(code, "organizationId")]
        assert refused["case"] is None
    assert await world.counts() == before
    assert (
        await world.scalar(
            "SELECT count(*) FROM case_referrals WHERE case_id = :id", id=uuid.UUID(key_of(case_id))
        )
        == 1
    )
    # The child's own township station takes it; a school takes a dropout case.
    assert (await _refer(fresh_client, county, case_id, own_station))["errors"] == []
    dropout = await a_county_case(fresh_client, world, "DROPOUT")
    school = await _refer(fresh_client, county, dropout, await world.org_of("demo-school"))
    assert school["errors"] == [], school


async def test_a_declined_referral_hides_the_case_from_the_decliner_only(
    fresh_client: AsyncClient, world: World
) -> None:
    county, legal_aid = await world.token("demo-county"), await world.token("demo-legalaid")
    case_id = await a_county_case(fresh_client, world, "SUSPECTED_DOMESTIC_VIOLENCE")
    assert await _case(fresh_client, legal_aid, case_id) is None
    aid = await _directory(fresh_client, county, "LEGAL_AID")
    assert (await _refer(fresh_client, county, case_id, aid["organizationId"]))["errors"] == []
    assert await _case(fresh_client, legal_aid, case_id) is not None
    referral = (await query_data(fresh_client, legal_aid, INBOX))["referrals"]["edges"][0]["node"]

    # Only the receiver answers: the county sees the referral but may not accept it for them.
    others = await _answer(
        fresh_client, county, "acceptReferral",
        referralId=referral["id"], expectedVersion=referral["version"],
    )  # fmt: skip
    assert [e["code"] for e in others["errors"]] == ["NOT_THE_RECEIVER"]
    # Declining needs a reason.
    no_reason = await _answer(
        fresh_client, legal_aid, "declineReferral",
        referralId=referral["id"], expectedVersion=referral["version"], reason=" ",
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in no_reason["errors"]] == [("REQUIRED", "reason")]

    declined = await _answer(
        fresh_client, legal_aid, "declineReferral",
        referralId=referral["id"], expectedVersion=referral["version"],
        reason="不属本中心受理范围。",
    )  # fmt: skip
    assert declined["errors"] == [], declined
    assert declined["referral"]["status"] == "DECLINED"
    assert declined["referral"]["case"] is None
    # Gone for legal aid, but for its inbox entry; the county keeps the case.
    assert await _case(fresh_client, legal_aid, case_id) is None
    inbox = (await query_data(fresh_client, legal_aid, INBOX))["referrals"]["edges"]
    assert [(e["node"]["status"], e["node"]["case"]) for e in inbox] == [("DECLINED", None)]
    seen = await _case(fresh_client, county, case_id)
    assert {r["organization"]["kind"]: r["status"] for r in seen["referrals"]}["LEGAL_AID"] == (
        "DECLINED"
    )
    # A declined referral is no longer open: completing it is refused with its status.
    again = await _answer(
        fresh_client, legal_aid, "completeReferral", referralId=referral["id"],
        expectedVersion=declined["referral"]["version"], feedback="已处理",
    )  # fmt: skip
    assert [e["code"] for e in again["errors"]] == ["INVALID_REFERRAL_STATUS"]
    assert again["current"]["status"] == "DECLINED"
    # …and the county may refer the case to legal aid anew.
    assert (await _refer(fresh_client, county, case_id, aid["organizationId"]))["errors"] == []


async def test_answers_out_of_scope_are_not_found(fresh_client: AsyncClient, world: World) -> None:
    """A referral to someone else is not there for those who cannot see its case, and not
    theirs to answer for those who can (the police know of a neglect case at once)."""
    county = await world.token("demo-county")
    case_id = await a_county_case(fresh_client, world, "GUARDIAN_NEGLECT")
    aid = await _directory(fresh_client, county, "LEGAL_AID")
    referred = await _refer(fresh_client, county, case_id, aid["organizationId"])
    referral_id = referred["case"]["referrals"][0]["id"]
    before = await world.counts()
    for username, code in (
        ("demo-police", "NOT_THE_RECEIVER"), ("demo-school", "NOT_FOUND"),
        ("demo-ngo", "NOT_FOUND"), ("demo-village2", "NOT_FOUND"), ("demo-city", "NOT_FOUND"),
    ):  # fmt: skip
        answer = await _answer(
            fresh_client, await world.token(username), "acceptReferral",
            referralId=referral_id, expectedVersion=1,
        )  # fmt: skip
        assert answer["referral"] is None, username
        assert [e["code"] for e in answer["errors"]] == [code], username
    assert await world.counts() == before


WHO = """
query($id: ID!) { node(id: $id) { ... on Case {
  reporter { name }
  events(first: 20) { edges { node { kind who { name role organization { name } } } } }
} } }
"""


async def test_a_receiver_sees_who_took_each_step_but_not_who_reported(
    fresh_client: AsyncClient, world: World
) -> None:
    # authz/fields.reporter_shown: never to a receiver outside the duty to know the reporter
    # (no `reporter read`): neither as the case's reporter nor as who took the report's step.
    county, legal_aid = await world.token("demo-county"), await world.token("demo-legalaid")
    case_id = await a_county_case(fresh_client, world, "SUSPECTED_DOMESTIC_VIOLENCE")
    aid = await _directory(fresh_client, county, "LEGAL_AID")
    assert (await _refer(fresh_client, county, case_id, aid["organizationId"]))["errors"] == []

    def steps(node: dict[str, Any]) -> dict[str, Any]:
        return {e["node"]["kind"]: e["node"]["who"] for e in node["events"]["edges"]}

    seen = (await query_data(fresh_client, county, WHO, id=case_id))["node"]
    assert seen["reporter"] == {"name": "伯浩村儿童主任"}
    assert steps(seen)["REPORTED"]["name"] == "伯浩村儿童主任"
    received = (await query_data(fresh_client, legal_aid, WHO, id=case_id))["node"]
    assert received["reporter"] is None
    assert steps(received)["REPORTED"] is None
    assert steps(received)["REFERRAL"] == {
        "name": "梁子湖区民政局", "role": "COUNTY_CIVIL_AFFAIRS",
        "organization": {"name": "梁子湖区民政局"},
    }  # fmt: skip
