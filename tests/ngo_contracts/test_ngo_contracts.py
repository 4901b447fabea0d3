"""NGO purchased services: the county's contracts, township assignment, what an NGO sees and
records (as a user and with its API key), and access ending by itself."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text

from app.auth.apikeys import create_api_key
from app.database import session_factory
from app.domain.schedule import next_visit_due
from app.models import Organization
from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from app.services.statistics.refresh import StatisticsSession
from tests.conftest import TODAY, TODAY_SQL, EngineFactory, access_token
from tests.graphql import gid

OTHER_COUNTY = "420703"  # 华容区, beside the demo county

CONTRACT_FIELDS = (
    "id title areaCode areaScope serviceTypes startsOn endsOn inForce version ngoId ngoName "
    "assignedChildCount"
)
CREATE = f"""
mutation($input: CreateNgoContractInput!) {{
  createNgoContract(input: $input) {{
    contract {{ {CONTRACT_FIELDS} }} errors {{ code field message }} current {{ id }}
  }}
}}
"""
UPDATE = f"""
mutation($input: UpdateNgoContractInput!) {{
  updateNgoContract(input: $input) {{
    contract {{ {CONTRACT_FIELDS} }} errors {{ code field message }} current {{ id version }}
  }}
}}
"""
ASSIGN = """
mutation($input: ContractChildrenInput!) {
  assignNgoContractChildren(input: $input) {
    contract { id assignedChildCount } changed unchanged errors { code field message }
  }
}
"""
UNASSIGN = """
mutation($input: ContractChildrenInput!) {
  unassignNgoContractChildren(input: $input) {
    contract { id assignedChildCount } changed unchanged errors { code field message }
  }
}
"""
CONTRACTS = f"""
{{ ngoContracts(first: 20) {{ totalCount edges {{ node {{ {CONTRACT_FIELDS}
   assignedChildren(first: 100) {{ totalCount edges {{ node {{ id name }} }} }} }} }} }} }}
"""
RECORD_VISIT = """
mutation($input: RecordVisitInput!) {
  recordVisit(input: $input) { visit { id kind } errors { code field message } }
}
"""
CHILDREN = """
{ children(first: 100) { totalCount edges { node {
    id name age birthDate idNumber categories isKeyChild disability studentNumber
    household { id } openCases { id } activeGuardian { id } guardianships { id }
} } } }
"""


def key_of(global_id: str) -> uuid.UUID:
    """The UUID inside a global id."""
    return uuid.UUID(base64.b64decode(global_id).decode().partition(":")[2])


class Caller:
    """A client acting with a bearer token or an API key."""

    def __init__(self, client: AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


async def as_user(client: AsyncClient, url: str, username: str) -> Caller:
    return Caller(client, {"Authorization": f"Bearer {await access_token(url, username)}"})


async def ngo_key(engine_for: EngineFactory, url: str) -> str:
    """A new API key of the demo NGO."""
    sessions = session_factory(engine_for(url), StatisticsSession)
    async with sessions() as session, session.begin():
        org = await session.scalar(
            text("SELECT organization_id FROM users WHERE username = 'demo-ngo'")
        )
        organization = await session.get(Organization, org)
        assert organization is not None
        _key, plaintext = await create_api_key(session, organization, "service records")
    return plaintext


async def scalar(engine_for: EngineFactory, url: str, sql: str, **params: Any) -> Any:
    async with engine_for(url).connect() as conn:
        return await conn.scalar(text(sql), params)


async def column(engine_for: EngineFactory, url: str, sql: str, **params: Any) -> list[Any]:
    async with engine_for(url).connect() as conn:
        return list((await conn.scalars(text(sql), params)).all())


ACTIVE_ASSIGNED = (
    "SELECT a.child_id::text FROM ngo_contract_children a JOIN ngo_contracts c "
    f"ON c.id = a.contract_id WHERE c.starts_on <= {TODAY_SQL} AND c.ends_on >= {TODAY_SQL} "
    "AND a.unassigned_at IS NULL"
)


def terms(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "太和镇关爱服务二期",
        "areaScope": [DEMO_TOWNSHIP],
        "serviceTypes": ["COUNSELLING", "VISIT_VERIFICATION"],
        "startsOn": (TODAY - timedelta(days=1)).isoformat(),
        "endsOn": (TODAY + timedelta(days=364)).isoformat(),
        **overrides,
    }


async def demo_ngo_id(engine_for: EngineFactory, url: str) -> str:
    return str(
        await scalar(
            engine_for, url, "SELECT organization_id FROM users WHERE username = 'demo-ngo'"
        )
    )


async def active_contract(engine_for: EngineFactory, url: str) -> str:
    found = await scalar(
        engine_for, url, f"SELECT id FROM ngo_contracts WHERE ends_on >= {TODAY_SQL}"
    )
    return gid("NgoContract", found)


async def unassigned_child(engine_for: EngineFactory, url: str, village: str) -> str:
    """An active child of the village not assigned under any contract in force."""
    found = await scalar(
        engine_for, url,
        f"SELECT id FROM children WHERE area_code = :v AND status = 'active' "
        f"AND id::text NOT IN ({ACTIVE_ASSIGNED}) ORDER BY id LIMIT 1",
        v=village,
    )  # fmt: skip
    return gid("Child", found)


async def test_county_creates_and_updates_a_contract(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    county = await as_user(fresh_client, fresh_db, "demo-county")
    ngo_id = await demo_ngo_id(engine_for, fresh_db)
    client_id = str(uuid.uuid4())
    payload = {"id": client_id, "ngoId": ngo_id, "terms": terms()}
    created = (await county(CREATE, input=payload))["createNgoContract"]
    assert created["errors"] == []
    contract = created["contract"]
    assert contract["id"] == gid("NgoContract", client_id)
    assert (contract["areaCode"], contract["areaScope"], contract["inForce"]) == (
        DEMO_COUNTY, [DEMO_TOWNSHIP], True
    )  # fmt: skip
    assert contract["ngoName"] == "鄂州市阳光社会工作服务中心"
    assert contract["serviceTypes"] == ["VISIT_VERIFICATION", "COUNSELLING"]
    assert contract["assignedChildCount"] == 0
    # A retry returns the same contract; the same id for other terms is refused.
    retry = (await county(CREATE, input=payload))["createNgoContract"]
    assert retry["contract"] == contract
    changed = {**payload, "terms": terms(title="另一个项目")}
    conflict = (await county(CREATE, input=changed))["createNgoContract"]
    assert conflict["errors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    # Ending it early, with the version read.
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    update = {"id": contract["id"], "expectedVersion": 1, "terms": terms(endsOn=yesterday)}
    ended = (await county(UPDATE, input=update))["updateNgoContract"]
    assert ended["errors"] == []
    assert (ended["contract"]["version"], ended["contract"]["inForce"]) == (2, False)
    stale = (await county(UPDATE, input=update))["updateNgoContract"]
    assert stale["errors"][0]["code"] == "VERSION_CONFLICT"
    assert stale["current"] == {"id": contract["id"], "version": 2}
    audited = await scalar(
        engine_for, fresh_db,
        "SELECT count(*) FROM audit_events WHERE action IN "
        "('createNgoContract', 'updateNgoContract')",
    )  # fmt: skip
    assert audited == 3  # create, retry, update: refusals write nothing


async def test_contract_terms_are_checked_and_nothing_is_written(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    county = await as_user(fresh_client, fresh_db, "demo-county")
    ngo_id = await demo_ngo_id(engine_for, fresh_db)
    before = await scalar(engine_for, fresh_db, "SELECT count(*) FROM ngo_contracts")
    school = await scalar(
        engine_for, fresh_db, "SELECT id FROM organizations WHERE kind = 'school' LIMIT 1"
    )
    cases = {
        "INVALID_DATES": {"ngoId": ngo_id, "terms": terms(
            startsOn=TODAY.isoformat(), endsOn=(TODAY - timedelta(days=1)).isoformat())},
        "REQUIRED": {"ngoId": ngo_id, "terms": terms(serviceTypes=[], title=" ")},
        "INVALID_AREA": {"ngoId": ngo_id, "terms": terms(areaScope=["420702999"])},
        "SCOPE_OUTSIDE_COUNTY": {"ngoId": ngo_id, "terms": terms(
            areaScope=[DEMO_TOWNSHIP, OTHER_COUNTY])},
        "FORBIDDEN": {"ngoId": ngo_id, "terms": terms(areaScope=[OTHER_COUNTY])},
        "NOT_AN_NGO": {"ngoId": str(school), "terms": terms()},
        "NOT_FOUND": {"ngoId": str(uuid.uuid4()), "terms": terms()},
        "INVALID_ID": {"ngoId": "not-a-uuid", "terms": terms()},
    }  # fmt: skip
    for code, payload in cases.items():
        data = (await county(CREATE, input=payload))["createNgoContract"]
        assert data["contract"] is None
        assert code in {e["code"] for e in data["errors"]}, (code, data)
    assert await scalar(engine_for, fresh_db, "SELECT count(*) FROM ngo_contracts") == before


async def test_a_county_manages_only_its_own_contracts_and_sees_counts_not_names(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    ngo_id = await demo_ngo_id(engine_for, fresh_db)
    elsewhere = uuid.uuid4()
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(text(
            "INSERT INTO ngo_contracts (id, ngo_id, area_code, area_scope, service_types, title, "
            "starts_on, ends_on) VALUES (:id, CAST(:ngo AS uuid), :county, "
            "ARRAY[CAST(:county AS varchar)], "
            f"ARRAY['counselling'], '华容区项目', {TODAY_SQL} - 10, {TODAY_SQL} + 10)"
        ), {"id": elsewhere, "ngo": ngo_id, "county": OTHER_COUNTY})  # fmt: skip
    county = await as_user(fresh_client, fresh_db, "demo-county")
    listed = (await county(CONTRACTS))["ngoContracts"]
    nodes = [edge["node"] for edge in listed["edges"]]
    assert listed["totalCount"] == 2 and len(nodes) == 2  # the demo's two, not 华容区's
    active = next(n for n in nodes if n["inForce"])
    assert active["assignedChildCount"] == 20
    # Numbers, never names: the children themselves are not the county's to see.
    assert all(n["assignedChildren"] == {"totalCount": 0, "edges": []} for n in nodes)
    foreign = gid("NgoContract", elsewhere)
    assert (await county("query($id: ID!) { ngoContract(id: $id) { id } }", id=foreign)) == {
        "ngoContract": None
    }
    update = {"id": foreign, "expectedVersion": 1, "terms": terms(areaScope=[OTHER_COUNTY])}
    refused = (await county(UPDATE, input=update))["updateNgoContract"]
    assert refused["errors"][0]["code"] == "NOT_FOUND"
    # Nor may the NGO change its own contract.
    ngo = await as_user(fresh_client, fresh_db, "demo-ngo")
    own = {"id": active["id"], "expectedVersion": active["version"], "terms": terms()}
    assert (await ngo(UPDATE, input=own))["updateNgoContract"]["errors"][0]["code"] == "FORBIDDEN"


async def test_township_assigns_and_unassigns_its_children(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    township = await as_user(fresh_client, fresh_db, "demo-township")
    ngo = await as_user(fresh_client, fresh_db, "demo-ngo")
    listed = (await township(CONTRACTS))["ngoContracts"]
    assert listed["totalCount"] == 2  # both serve its township
    contract = await active_contract(engine_for, fresh_db)
    child = await unassigned_child(engine_for, fresh_db, DEMO_VILLAGE)
    visible = "query($id: ID!) { child(id: $id) { id name } }"
    assert (await ngo(visible, id=child))["child"] is None
    request = {"contractId": contract, "childIds": [child, child]}
    assigned = (await township(ASSIGN, input=request))["assignNgoContractChildren"]
    assert assigned["errors"] == []
    assert (assigned["changed"], assigned["unchanged"]) == (1, 0)
    assert assigned["contract"]["assignedChildCount"] == 21
    assert (await ngo(visible, id=child))["child"]["id"] == child
    again = (await township(ASSIGN, input=request))["assignNgoContractChildren"]
    assert (again["changed"], again["unchanged"]) == (0, 1)
    removed = (await township(UNASSIGN, input=request))["unassignNgoContractChildren"]
    assert (removed["changed"], removed["contract"]["assignedChildCount"]) == (1, 20)
    assert (await ngo(visible, id=child))["child"] is None
    kept = await scalar(
        engine_for, fresh_db,
        "SELECT unassigned_at IS NOT NULL FROM ngo_contract_children "
        "WHERE child_id = :c AND contract_id = :k",
        c=key_of(child), k=key_of(contract),
    )  # fmt: skip
    assert kept is True  # the history stays
    # Re-assigning a child unassigned before works.
    back = (await township(ASSIGN, input=request))["assignNgoContractChildren"]
    assert (back["changed"], back["contract"]["assignedChildCount"]) == (1, 21)
    assert (await ngo(visible, id=child))["child"]["id"] == child


async def test_assignment_rules(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    county = await as_user(fresh_client, fresh_db, "demo-county")
    township = await as_user(fresh_client, fresh_db, "demo-township")
    ngo_id = await demo_ngo_id(engine_for, fresh_db)
    # A contract for one village only.
    made = await county(CREATE, input={"ngoId": ngo_id, "terms": terms(areaScope=[DEMO_VILLAGE])})
    village_contract = made["createNgoContract"]["contract"]["id"]
    inside = await unassigned_child(engine_for, fresh_db, DEMO_VILLAGE)
    outside = await unassigned_child(engine_for, fresh_db, DEMO_VILLAGE2)
    other_township = gid("Child", await scalar(
        engine_for, fresh_db,
        "SELECT id FROM children WHERE area_code LIKE :c || '%' AND area_code NOT LIKE :t || '%' "
        "LIMIT 1", c=DEMO_COUNTY, t=DEMO_TOWNSHIP,
    ))  # fmt: skip
    data = await township(ASSIGN, input={
        "contractId": village_contract, "childIds": [inside, outside, other_township]})  # fmt: skip
    result = data["assignNgoContractChildren"]
    assert {(e["code"], e["field"]) for e in result["errors"]} == {("NOT_FOUND", "childIds.2")}
    data = await township(ASSIGN, input={"contractId": village_contract,
                                         "childIds": [inside, outside]})  # fmt: skip
    result = data["assignNgoContractChildren"]
    assert {(e["code"], e["field"]) for e in result["errors"]} == {
        ("OUTSIDE_CONTRACT_SCOPE", "childIds.1")
    }
    # Nothing of a refused call is written.
    assert result["contract"] is None
    count = "SELECT count(*) FROM ngo_contract_children WHERE contract_id = :c"
    assert await scalar(engine_for, fresh_db, count, c=key_of(village_contract)) == 0
    # Only those who hold the children's files assign them: not the village director (who
    # cannot see the contract), the county (which cannot see the children) or the NGO.
    request = {"contractId": village_contract, "childIds": [inside]}
    for username, code in (
        ("demo-village", "NOT_FOUND"),
        ("demo-county", "NOT_FOUND"),
        ("demo-ngo", "NOT_FOUND"),
        ("demo-school", "NOT_FOUND"),
    ):
        caller = await as_user(fresh_client, fresh_db, username)
        for mutation, name in ((ASSIGN, "assignNgoContractChildren"),
                               (UNASSIGN, "unassignNgoContractChildren")):  # fmt: skip
            refused = (await caller(mutation, input=request))[name]
            assert [e["code"] for e in refused["errors"]] == [code], (username, name, refused)
    # An ended contract takes no one new.
    ended_id = await scalar(
        engine_for, fresh_db, f"SELECT id FROM ngo_contracts WHERE ends_on < {TODAY_SQL}"
    )
    ended = gid("NgoContract", ended_id)
    late = await township(ASSIGN, input={"contractId": ended, "childIds": [inside]})
    assert late["assignNgoContractChildren"]["errors"][0]["code"] == "CONTRACT_ENDED"
    assert await scalar(engine_for, fresh_db, count, c=key_of(village_contract)) == 0


async def test_ngo_user_and_key_see_exactly_the_assigned_children_in_the_service_view(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    expected = {gid("Child", c) for c in await column(engine_for, fresh_db, ACTIVE_ASSIGNED)}
    assert len(expected) == 20
    user = await as_user(fresh_client, fresh_db, "demo-ngo")
    key = Caller(fresh_client, {"X-API-Key": await ngo_key(engine_for, fresh_db)})
    for caller in (user, key):
        data = (await caller(CHILDREN))["children"]
        nodes = [edge["node"] for edge in data["edges"]]
        assert data["totalCount"] == 20 and {n["id"] for n in nodes} == expected
        for node in nodes:
            assert node["name"] and node["age"] >= 0 and node["categories"] is not None
            # No ID number, no birth date, no schooling or key-child details, no family,
            # guardians or cases.
            assert node["idNumber"] is None and node["birthDate"] is None
            assert node["isKeyChild"] is None and node["disability"] is None
            assert node["studentNumber"] is None and node["household"] is None
            assert node["openCases"] == [] and node["activeGuardian"] is None
            assert node["guardianships"] == []
        contracts = (await caller(CONTRACTS))["ngoContracts"]
        by_force = {e["node"]["inForce"]: e["node"] for e in contracts["edges"]}
        assert {e["node"]["id"] for e in by_force[True]["assignedChildren"]["edges"]} == expected
        # The ended contract's children are gone with it (its count stays for the record).
        assert by_force[False]["assignedChildren"]["totalCount"] == 0


async def test_access_ends_when_the_contract_ends_or_the_child_is_unassigned(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    ngo = await as_user(fresh_client, fresh_db, "demo-ngo")
    township = await as_user(fresh_client, fresh_db, "demo-township")
    county = await as_user(fresh_client, fresh_db, "demo-county")
    pull = "query($since: String) { syncPull(since: $since, first: 1000) { children { id } " \
        "removals { typeName id } cursor hasMore } }"  # fmt: skip
    first = (await ngo(pull))["syncPull"]
    assert len(first["children"]) == 20 and not first["hasMore"]
    contract = await active_contract(engine_for, fresh_db)
    gone = first["children"][0]["id"]
    removed = await township(UNASSIGN, input={"contractId": contract, "childIds": [gone]})
    assert removed["unassignNgoContractChildren"]["changed"] == 1
    assert (await ngo("query($id: ID!) { child(id: $id) { id } }", id=gone))["child"] is None
    second = (await ngo(pull, since=first["cursor"]))["syncPull"]
    assert {"typeName": "Child", "id": gone} in second["removals"]
    # The county ends the contract early: every child goes, without anyone unassigning them.
    node = (await county("query($id: ID!) { ngoContract(id: $id) { version startsOn } }",
                         id=contract))["ngoContract"]  # fmt: skip
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    ended = await county(UPDATE, input={"id": contract, "expectedVersion": node["version"],
                                        "terms": terms(startsOn=node["startsOn"],
                                                       endsOn=yesterday)})  # fmt: skip
    assert ended["updateNgoContract"]["errors"] == []
    assert (await ngo(CHILDREN))["children"]["totalCount"] == 0
    third = (await ngo(pull, since=second["cursor"]))["syncPull"]
    assert {r["id"] for r in third["removals"]} >= {c["id"] for c in first["children"]} - {gone}


async def test_narrowing_the_scope_unassigns_the_children_left_outside(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    county = await as_user(fresh_client, fresh_db, "demo-county")
    contract = await active_contract(engine_for, fresh_db)
    node = (await county("query($id: ID!) { ngoContract(id: $id) { version startsOn endsOn } }",
                         id=contract))["ngoContract"]  # fmt: skip
    in_village = await scalar(
        engine_for, fresh_db,
        f"SELECT count(*) FROM children WHERE area_code = :v AND id::text IN ({ACTIVE_ASSIGNED})",
        v=DEMO_VILLAGE,
    )  # fmt: skip
    assert 0 < in_village < 20
    update = {"id": contract, "expectedVersion": node["version"], "terms": terms(
        areaScope=[DEMO_VILLAGE], startsOn=node["startsOn"], endsOn=node["endsOn"])}  # fmt: skip
    data = (await county(UPDATE, input=update))["updateNgoContract"]
    assert data["errors"] == []
    assert data["contract"]["assignedChildCount"] == in_village
    ngo = await as_user(fresh_client, fresh_db, "demo-ngo")
    children = (await ngo(CHILDREN))["children"]["edges"]
    assert len(children) == in_village


def visit_input(child: str, kind: str = "NGO_SERVICE", **overrides: Any) -> dict[str, Any]:
    return {
        "childId": child, "visitedAt": datetime.now(UTC).isoformat(), "kind": kind,
        "livingConditions": "GOOD", "guardianship": "FAIR", "schooling": "GOOD",
        "health": "GOOD", "mentalState": "FAIR", "notes": "心理疏导一次", **overrides,
    }  # fmt: skip


async def test_ngo_records_service_visits_as_a_user_and_with_its_key(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    user = await as_user(fresh_client, fresh_db, "demo-ngo")
    key = Caller(fresh_client, {"X-API-Key": await ngo_key(engine_for, fresh_db)})
    assigned = sorted(await column(engine_for, fresh_db, ACTIVE_ASSIGNED))
    child = gid("Child", assigned[0])
    recorded = []
    for caller in (user, key):
        visit = visit_input(child, id=str(uuid.uuid4()))
        data = (await caller(RECORD_VISIT, input=visit))["recordVisit"]
        assert data["errors"] == [] and data["visit"]["kind"] == "NGO_SERVICE"
        # A retry (the network failed after the write) records nothing more.
        assert (await caller(RECORD_VISIT, input=visit))["recordVisit"] == data
        recorded.append(data["visit"]["id"])
    rows = await scalar(
        engine_for, fresh_db,
        "SELECT array_agg((visitor_id IS NULL)::text || ':' || (organization_id = "
        "(SELECT organization_id FROM users WHERE username = 'demo-ngo'))::text "
        "ORDER BY visitor_id IS NULL) FROM visits WHERE kind = 'ngo_service'",
    )  # fmt: skip
    # The user's visit names the person and the NGO; the key's names the NGO only.
    assert rows == ["false:true", "true:true"]
    for caller in (user, key):
        listed = await caller("{ visits(first: 100) { totalCount edges { node { id } } } }")
        assert {e["node"]["id"] for e in listed["visits"]["edges"]} == set(recorded)
        assert listed["visits"]["totalCount"] == 2
    # The township sees the NGO's visits in the child's file.
    township = await as_user(fresh_client, fresh_db, "demo-township")
    file = await township(
        "query($id: ID!) { child(id: $id) { visits(first: 100) { edges { node { id } } } } }",
        id=child,
    )
    assert set(recorded) <= {e["node"]["id"] for e in file["child"]["visits"]["edges"]}


async def test_an_ngo_records_only_service_visits_to_its_assigned_children(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    key = Caller(fresh_client, {"X-API-Key": await ngo_key(engine_for, fresh_db)})
    user = await as_user(fresh_client, fresh_db, "demo-ngo")
    assigned = gid("Child", sorted(await column(engine_for, fresh_db, ACTIVE_ASSIGNED))[0])
    unassigned = await unassigned_child(engine_for, fresh_db, DEMO_VILLAGE)
    for caller in (user, key):
        routine = await caller(RECORD_VISIT, input=visit_input(assigned, kind="ROUTINE"))
        assert routine["recordVisit"]["errors"][0]["code"] == "FORBIDDEN"
        stranger = await caller(RECORD_VISIT, input=visit_input(unassigned))
        assert stranger["recordVisit"]["errors"][0]["code"] == "NOT_FOUND"
    written = await scalar(
        engine_for, fresh_db,
        "SELECT count(*) FROM audit_events WHERE action = 'recordVisit'",
    )  # fmt: skip
    assert written == 0


async def test_a_move_ends_the_childs_assignments(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    township = await as_user(fresh_client, fresh_db, "demo-township")
    ngo = await as_user(fresh_client, fresh_db, "demo-ngo")
    moved = await scalar(
        engine_for, fresh_db,
        f"SELECT id FROM children WHERE area_code = :v AND id::text IN ({ACTIVE_ASSIGNED}) "
        "ORDER BY id LIMIT 1",
        v=DEMO_VILLAGE,
    )  # fmt: skip
    child = gid("Child", moved)
    version = await scalar(
        engine_for, fresh_db, "SELECT version FROM children WHERE id = :c", c=moved
    )
    move = """mutation($input: MoveChildInput!) { moveChild(input: $input) {
        child { areaCode } errors { code } } }"""
    data = await township(
        move, input={"id": child, "expectedVersion": version, "toAreaCode": DEMO_VILLAGE2}
    )
    assert data["moveChild"]["errors"] == []
    # Even within the contract's township: the new village decides on services anew.
    assert (await ngo("query($id: ID!) { child(id: $id) { id } }", id=child))["child"] is None
    assignment = await scalar(
        engine_for, fresh_db,
        "SELECT area_code || ':' || (unassigned_at IS NOT NULL)::text "
        "FROM ngo_contract_children WHERE child_id = :c",
        c=moved,
    )  # fmt: skip
    assert assignment == f"{DEMO_VILLAGE2}:true"
    contract = await active_contract(engine_for, fresh_db)
    back = await township(ASSIGN, input={"contractId": contract, "childIds": [child]})
    assert back["assignNgoContractChildren"]["changed"] == 1
    assert (await ngo("query($id: ID!) { child(id: $id) { id } }", id=child))["child"][
        "id"
    ] == child


NGOS = """query($name: String) { ngoOrganizations(name: $name, first: 100) {
  totalCount edges { node { organizationId name areaCode } } } }"""


async def test_a_county_finds_the_ngos_it_may_contract_with(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    ngo_id = await demo_ngo_id(engine_for, fresh_db)
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(text(
            "INSERT INTO organizations (id, kind, name, area_code) VALUES "
            "(gen_random_uuid(), 'ngo', '湖北省儿童服务中心', '42'), "
            "(gen_random_uuid(), 'ngo', '华容区社工站', :other)"
        ), {"other": OTHER_COUNTY})  # fmt: skip
    county = await as_user(fresh_client, fresh_db, "demo-county")
    found = (await county(NGOS))["ngoOrganizations"]
    names = {e["node"]["name"]: e["node"]["organizationId"] for e in found["edges"]}
    # Its own county's NGO and the province-wide one; not another county's.
    assert set(names) == {"鄂州市阳光社会工作服务中心", "湖北省儿童服务中心"}
    assert names["鄂州市阳光社会工作服务中心"] == ngo_id
    assert found["totalCount"] == 2
    narrowed = (await county(NGOS, name="阳光"))["ngoOrganizations"]
    assert [e["node"]["organizationId"] for e in narrowed["edges"]] == [ngo_id]
    for username in ("demo-township", "demo-ngo", "demo-village", "demo-city"):
        other = await as_user(fresh_client, fresh_db, username)
        assert (await other(NGOS))["ngoOrganizations"]["totalCount"] == 0, username


async def test_an_ngo_visit_is_the_last_visit_and_moves_the_next_due(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    ngo = await as_user(fresh_client, fresh_db, "demo-ngo")
    village = await as_user(fresh_client, fresh_db, "demo-village")
    # Yesterday at noon in Beijing: the same day in UTC and in Beijing.
    visited = datetime.combine(
        datetime.now(UTC).date() - timedelta(days=1), datetime.min.time(), UTC
    ) + timedelta(hours=4)
    picked = await scalar(
        engine_for, fresh_db,
        f"SELECT id FROM children WHERE area_code = :v AND id::text IN ({ACTIVE_ASSIGNED}) "
        "AND last_visit_at < :at ORDER BY id LIMIT 1",
        v=DEMO_VILLAGE, at=visited,
    )  # fmt: skip
    child = gid("Child", picked)
    data = (await ngo(RECORD_VISIT, input=visit_input(child, visitedAt=visited.isoformat())))[
        "recordVisit"
    ]
    assert data["errors"] == []
    file = "query($id: ID!) { child(id: $id) { lastVisitAt nextVisitDue isKeyChild " \
        "lastVisit { id visitedAt } } }"  # fmt: skip
    seen = (await village(file, id=child))["child"]
    assert seen["lastVisit"]["id"] == data["visit"]["id"]
    assert datetime.fromisoformat(seen["lastVisitAt"]) == visited
    last_risk = await scalar(
        engine_for, fresh_db,
        "SELECT max(visited_at) FROM visits WHERE child_id = :c AND kind = 'risk_assessment'",
        c=picked,
    )  # fmt: skip
    due = next_visit_due(
        visited.date(),
        last_risk.date() if last_risk else None,
        seen["isKeyChild"],
        visited.date() + timedelta(days=1),
    )
    assert seen["nextVisitDue"] == due.due.isoformat()
    # A service visit sent late, from before the last one, changes neither.
    older = visit_input(child, visitedAt=(visited - timedelta(days=10)).isoformat())
    assert (await ngo(RECORD_VISIT, input=older))["recordVisit"]["errors"] == []
    assert (await village(file, id=child))["child"] == seen
    # The village director visits after the NGO: the NGO, who may not read the director's
    # visits, sees when the child was last visited but not the visit.
    routine = visit_input(
        child, kind="ROUTINE", visitedAt=(visited + timedelta(hours=2)).isoformat()
    )
    assert (await village(RECORD_VISIT, input=routine))["recordVisit"]["errors"] == []
    theirs = (await ngo(file, id=child))["child"]
    assert datetime.fromisoformat(theirs["lastVisitAt"]) == visited + timedelta(hours=2)
    assert theirs["lastVisit"] is None
    ours = (await village(file, id=child))["child"]
    assert ours["lastVisit"]["visitedAt"] == ours["lastVisitAt"]
