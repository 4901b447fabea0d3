"""Delta pull: the initial sync, increments, late commits, removals, paging."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text

from app.mobile_contract import CONTRACT_DIR, document_id
from app.seed.demo import DEMO_PASSWORD, DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import TODAY_SQL, EngineFactory, access_token
from tests.graphql import gid, mutation_payload, query_data
from tests.world import key_of

PULL = """
query Pull($since: String, $first: Int!) {
  syncPull(since: $since, first: $first) {
    households { id } parents { id householdId } children { id householdId version }
    guardianships { id childId } visits { id childId } cases { id childId }
    caseEvents { id caseId } referrals { id caseId } moveRequests { id childName }
    removals { typeName id }
    cursor hasMore
  }
}
"""
KINDS = (
    "households", "parents", "children", "guardianships", "visits", "cases", "caseEvents",
    "referrals", "moveRequests",
)  # fmt: skip


async def pull_all(
    client: AsyncClient, token: str, since: str | None, first: int = 1000
) -> tuple[dict[str, set[str]], list[dict[str, str]], str, int]:
    """Pull pages until there is no more: ids per kind, removals, the cursor, page count."""
    seen: dict[str, set[str]] = {kind: set() for kind in KINDS}
    removals: list[dict[str, str]] = []
    pages = 0
    while True:
        response = await client.post(
            "/graphql",
            json={"query": PULL, "variables": {"since": since, "first": first}},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = response.json()
        assert "errors" not in body, body
        page = body["data"]["syncPull"]
        pages += 1
        for kind in KINDS:
            ids = [row["id"] for row in page[kind]]
            assert not seen[kind] & set(ids), f"{kind} delivered twice"
            seen[kind] |= set(ids)
        removals += page["removals"]
        since = page["cursor"]
        if not page["hasMore"]:
            return seen, removals, since, pages


async def _ids(engine_for: EngineFactory, url: str, sql: str, **params: Any) -> set[str]:
    async with engine_for(url).connect() as conn:
        return {str(row[0]) for row in await conn.execute(text(sql), params)}


async def test_initial_sync_is_the_villages_file_and_paging_changes_nothing(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    whole, removals, _cursor, pages = await pull_all(fresh_client, token, None)
    assert pages == 1 and removals == []
    children = await _ids(
        engine_for, fresh_db, "SELECT id FROM children WHERE area_code = :v", v=DEMO_VILLAGE
    )
    visits = await _ids(
        engine_for, fresh_db, "SELECT id FROM visits WHERE area_code = :v", v=DEMO_VILLAGE
    )
    assert whole["children"] == {gid("Child", c) for c in children}
    assert whole["visits"] == {gid("Visit", v) for v in visits}
    paged, _removals, _cursor, many = await pull_all(fresh_client, token, None, first=37)
    assert many > 5
    assert paged == whole


async def test_an_increment_carries_only_what_changed(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    child = await factories.child(fresh_client, token, DEMO_VILLAGE)
    _whole, _removals, cursor, _pages = await pull_all(fresh_client, token, None)
    nothing, _removals, cursor, _pages = await pull_all(fresh_client, token, cursor)
    assert all(not ids for ids in nothing.values())
    visit = await factories.visit(fresh_client, token, child["id"])
    changes, _removals, _cursor, _pages = await pull_all(fresh_client, token, cursor)
    assert changes["visits"] == {visit["id"]}
    assert changes["children"] <= {child["id"]}  # its next visit due moved
    assert not changes["households"] and not changes["cases"]


REFER = """
mutation($input: ReferCaseInput!) {
  referCase(input: $input) { case { id version } errors { code } }
}
"""


async def test_a_cases_history_and_referrals_reach_the_devices(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    village = await access_token(fresh_db, "demo-village")
    township = await access_token(fresh_db, "demo-township")
    _whole, _removals, cursor, _pages = await pull_all(fresh_client, township, None)
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    case = await factories.case(fresh_client, village, child["id"])
    async with engine_for(fresh_db).connect() as conn:
        centre = await conn.scalar(
            text("SELECT organization_id FROM users WHERE username = 'demo-centre'")
        )
    referral = {
        "caseId": case["id"], "expectedVersion": case["version"], "organizationId": str(centre),
    }  # fmt: skip
    referred = await query_data(fresh_client, township, REFER, input=referral)
    assert referred["referCase"]["errors"] == []
    changes, _removals, _cursor, _pages = await pull_all(fresh_client, township, cursor)
    assert changes["cases"] == {case["id"]}
    events = await _ids(
        engine_for, fresh_db, "SELECT id FROM case_events WHERE case_id = :c",
        c=uuid.UUID(key_of(case["id"])),
    )  # fmt: skip
    assert len(events) == 2  # reported, referred
    assert changes["caseEvents"] == {gid("CaseEvent", e) for e in events}
    assert len(changes["referrals"]) == 1
    # The receiving centre's device gets the referral (its inbox) with the case.
    centre_token = await access_token(fresh_db, "demo-centre")
    whole, _removals, _cursor, _pages = await pull_all(fresh_client, centre_token, None)
    assert changes["referrals"] <= whole["referrals"]


REQUEST_MOVE = """
mutation($input: RequestChildMoveInput!) {
  requestChildMove(input: $input) { request { id } errors { code } }
}
"""


async def test_a_move_request_reaches_both_villages_devices(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    village = await access_token(fresh_db, "demo-village")
    receiving = await access_token(fresh_db, "demo-village2")
    _whole, _removals, cursor, _pages = await pull_all(fresh_client, receiving, None)
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    asked = await query_data(
        fresh_client, village, REQUEST_MOVE,
        input={"childId": child["id"], "toAreaCode": DEMO_VILLAGE2, "reason": "随父母迁居"},
    )  # fmt: skip
    assert asked["requestChildMove"]["errors"] == []
    request = asked["requestChildMove"]["request"]["id"]
    incoming, _removals, _cursor, _pages = await pull_all(fresh_client, receiving, cursor)
    assert incoming["moveRequests"] == {request}
    assert not incoming["children"]  # the file itself only once the move is accepted
    outgoing, _removals, _cursor, _pages = await pull_all(fresh_client, village, None)
    assert request in outgoing["moveRequests"]


async def test_a_transaction_that_commits_late_is_not_skipped(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    households = [
        key_of((await factories.household(fresh_client, token, DEMO_VILLAGE))["id"])
        for _ in range(2)
    ]
    _whole, _removals, cursor, _pages = await pull_all(fresh_client, token, None)
    engine = engine_for(fresh_db)
    late = await engine.connect()
    early = engine_for(fresh_db)
    try:
        await late.execute(text("SELECT pg_current_xact_id()"))  # takes its id now
        await late.execute(
            text("UPDATE households SET phone = '13900000001' WHERE id = :h"),
            {"h": households[0]},
        )
        async with early.begin() as conn:  # a younger transaction commits first
            await conn.execute(
                text("UPDATE households SET phone = '13900000002' WHERE id = :h"),
                {"h": households[1]},
            )
        first, _removals, cursor, _pages = await pull_all(fresh_client, token, cursor)
        await late.commit()
    finally:
        await late.close()
    second, _removals, _cursor, _pages = await pull_all(fresh_client, token, cursor)
    delivered = first["households"] | second["households"]
    assert delivered == {gid("Household", households[0]), gid("Household", households[1])}
    # The younger one waited for the older: nothing was handed out past a running write.
    assert first["households"] == set()


async def test_removals_for_deletes_and_children_who_moved_away(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    village = await access_token(fresh_db, "demo-village")
    village2 = await access_token(fresh_db, "demo-village2")
    township = await access_token(fresh_db, "demo-township")
    moving = await factories.child(fresh_client, village, DEMO_VILLAGE)
    visited = await factories.child(fresh_client, village, DEMO_VILLAGE)
    visit = (await factories.visit(fresh_client, village, visited["id"]))["id"]
    _w, _r, cursor, _p = await pull_all(fresh_client, village, None)
    _w, _r, cursor2, _p = await pull_all(fresh_client, village2, None)
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(
            text("UPDATE visits SET deleted_at = now() WHERE id = :v"), {"v": key_of(visit)}
        )
    move = """mutation($input: MoveChildInput!) { moveChild(input: $input) { errors { code } } }"""
    moved = await mutation_payload(
        fresh_client, township, move,
        id=moving["id"], expectedVersion=moving["version"], toAreaCode=DEMO_VILLAGE2,
    )  # fmt: skip
    assert moved["errors"] == []
    _changes, removals, _c, _p = await pull_all(fresh_client, village, cursor)
    assert {"typeName": "Child", "id": moving["id"]} in removals
    assert {"typeName": "Visit", "id": visit} in removals
    arrived, _r, _c, _p = await pull_all(fresh_client, village2, cursor2)
    assert moving["id"] in arrived["children"]


async def test_a_lost_response_and_a_retry_make_one_visit(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    child = await factories.child(fresh_client, token, DEMO_VILLAGE)
    visit = {
        "id": "6f1d8a4e-0f7b-4c1e-9d5a-2b6c7e8f9a01", "childId": child["id"],
        "visitedAt": datetime.now(UTC).isoformat(), "kind": "ROUTINE",
        "livingConditions": "GOOD", "guardianship": "GOOD", "schooling": "GOOD",
        "health": "GOOD", "mentalState": "GOOD", "notes": "offline",
    }  # fmt: skip
    mutation = """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
        visit { id } errors { code } } }"""
    request = {"query": mutation, "variables": {"input": visit}}
    headers = {"Authorization": f"Bearer {token}"}
    await fresh_client.post("/graphql", json=request, headers=headers)  # the answer is lost
    retried = await fresh_client.post("/graphql", json=request, headers=headers)
    assert retried.json()["data"]["recordVisit"]["errors"] == []
    count = await _ids(
        engine_for, fresh_db, "SELECT count(*) FROM visits WHERE id = :v", v=visit["id"]
    )
    assert count == {"1"}


async def test_two_devices_editing_one_child_offline_get_one_conflict(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    made = await factories.child(fresh_client, token, DEMO_VILLAGE)
    fields = "householdId name gender birthDate idNumber livingArrangement schoolStatus version"
    read = f"query($id: ID!) {{ child(id: $id) {{ {fields} }} }}"
    base = (await query_data(fresh_client, token, read, id=made["id"]))["child"]
    version = base.pop("version")
    mutation = """mutation($input: UpdateChildInput!) { updateChild(input: $input) {
        child { version disability } errors { code } current { version disability } } }"""
    headers = {"Authorization": f"Bearer {token}"}
    answers = []
    for change in ({"disability": True}, {"seriousIllness": True}):
        response = await fresh_client.post("/graphql", json={"query": mutation, "variables": {
            "input": {"id": made["id"], "expectedVersion": version,
                      "child": {**base, **change}}}}, headers=headers)  # fmt: skip
        answers.append(response.json()["data"]["updateChild"])
    assert answers[0]["errors"] == []
    assert [e["code"] for e in answers[1]["errors"]] == ["VERSION_CONFLICT"]
    # The second device gets the first device's change to merge: nothing is lost.
    assert answers[1]["current"] == answers[0]["child"]


def _op(name: str, document: str, **variables: Any) -> dict[str, Any]:
    text_ = (CONTRACT_DIR / "operations" / f"{document}.graphql").read_text()
    return {"clientOperationId": name, "documentId": document_id(text_), "variables": variables}


PUSH = """mutation($ops: [SyncOperationInput!]!) { syncPush(operations: $ops) {
    clientOperationId ok errors { code message } } }"""


async def test_push_applies_in_order_and_failures_block_only_what_depends_on_them(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    good_household, bad_household = str(uuid.uuid4()), str(uuid.uuid4())
    child_a, child_b = str(uuid.uuid4()), str(uuid.uuid4())
    existing = key_of((await factories.child(fresh_client, token, DEMO_VILLAGE))["id"])

    def household(hid: str, phone: str) -> dict[str, Any]:
        mother = {"relation": "MOTHER", "name": "王芳", "status": "WORKING_AWAY"}
        return {"id": hid, "areaCode": DEMO_VILLAGE, "address": "伯浩村1组1号", "phone": phone,
                "parents": [mother]}  # fmt: skip

    def child(cid: str, hid: str) -> dict[str, Any]:
        return {"id": cid, "child": {
            "householdId": gid("Household", hid), "name": "王小红", "gender": "FEMALE",
            "birthDate": "2018-02-03", "noHouseholdRegistration": True,
            "livingArrangement": "WITH_GRANDPARENTS", "schoolStatus": "IN_SCHOOL"}}  # fmt: skip

    def visit(child_id: str) -> dict[str, Any]:
        return {"input": {
            "id": str(uuid.uuid4()), "childId": gid("Child", child_id),
            "visitedAt": datetime.now(UTC).isoformat(), "kind": "ROUTINE",
            "livingConditions": "GOOD", "guardianship": "GOOD", "schooling": "GOOD",
            "health": "GOOD", "mentalState": "GOOD"}}  # fmt: skip

    operations = [
        _op("1", "RegisterHousehold", input=household(good_household, "13900001111")),
        _op("2", "RegisterChild", input=child(child_a, good_household)),
        _op("3", "RecordVisit", **visit(child_a)),
        _op("4", "RegisterHousehold", input=household(bad_household, "not a phone")),
        _op("5", "RegisterChild", input=child(child_b, bad_household)),
        _op("6", "RecordVisit", **visit(child_b)),
        _op("7", "RecordVisit", **visit(existing)),
    ]
    response = await fresh_client.post(
        "/graphql", json={"query": PUSH, "variables": {"ops": operations}},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    results = {r["clientOperationId"]: r for r in response.json()["data"]["syncPush"]}
    assert [results[k]["ok"] for k in "1234567"] == [True, True, True, False, False, False, True]
    assert results["4"]["errors"][0]["code"] == "INVALID_PHONE"
    assert results["5"]["errors"][0]["code"] == "DEPENDENCY_FAILED"
    assert results["6"]["errors"][0]["code"] == "DEPENDENCY_FAILED"  # through the failed child
    # The whole queue again (the app never saw the answer): nothing is created twice.
    await fresh_client.post(
        "/graphql", json={"query": PUSH, "variables": {"ops": operations}},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    counts = await _ids(
        engine_for, fresh_db,
        "SELECT count(*) FROM visits WHERE child_id = :c", c=child_a,
    )  # fmt: skip
    assert counts == {"1"}


async def test_an_ended_contract_removes_its_children_from_the_ngos_devices(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    ngo = await access_token(fresh_db, "demo-ngo")
    first, _removals, cursor, _pages = await pull_all(fresh_client, ngo, None)
    assert len(first["children"]) == 20  # the demo's active contract
    assert not first["households"] and not first["visits"]  # limited to the children
    async with engine_for(fresh_db).begin() as conn:
        unassigned = await conn.scalar(text(
            "UPDATE ngo_contract_children SET unassigned_at = now() WHERE child_id = "
            "(SELECT a.child_id FROM ngo_contract_children a JOIN ngo_contracts c "
            f"ON c.id = a.contract_id WHERE c.ends_on >= {TODAY_SQL} "
            "AND a.unassigned_at IS NULL ORDER BY a.child_id LIMIT 1) RETURNING child_id"
        ))  # fmt: skip
    _changes, removals, cursor, _pages = await pull_all(fresh_client, ngo, cursor)
    assert removals == [{"typeName": "Child", "id": gid("Child", unassigned)}]
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(text(
            f"UPDATE ngo_contracts SET ends_on = {TODAY_SQL} - 1 WHERE ends_on >= {TODAY_SQL}"
        ))  # fmt: skip
    _changes, removals, _cursor, _pages = await pull_all(fresh_client, ngo, cursor)
    # Every child of the contract goes (removing one already gone again is harmless).
    assert {r["id"] for r in removals} - {gid("Child", unassigned)} == first["children"] - {
        gid("Child", unassigned)
    }


async def test_push_refuses_logins_token_exchanges_and_pushes(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    child = await factories.child(fresh_client, token, DEMO_VILLAGE)
    guesses = [
        _op(f"guess-{n}", "Login", username="demo-township", password=password)
        for n, password in enumerate(["wrong-1", "wrong-2", DEMO_PASSWORD])
    ]
    inner = [_op("inner", "Login", username="demo-township", password=DEMO_PASSWORD)]
    operations = [
        *guesses,
        _op("refresh", "Refresh", refreshToken="no-such-token"),
        _op("nested", "SyncPush", operations=inner),
        _op("visit", "RecordVisit", input={
            "id": str(uuid.uuid4()), "childId": child["id"],
            "visitedAt": datetime.now(UTC).isoformat(), "kind": "ROUTINE",
            "livingConditions": "GOOD", "guardianship": "GOOD", "schooling": "GOOD",
            "health": "GOOD", "mentalState": "GOOD"}),
    ]  # fmt: skip
    response = await fresh_client.post(
        "/graphql", json={"query": PUSH, "variables": {"ops": operations}},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )  # fmt: skip
    results = {r["clientOperationId"]: r for r in response.json()["data"]["syncPush"]}
    for name in ("guess-0", "guess-1", "guess-2", "refresh", "nested"):
        assert not results[name]["ok"]
        assert [e["code"] for e in results[name]["errors"]] == ["NOT_QUEUEABLE"], name
    assert results["guess-2"]["errors"][0]["message"] == (
        "login cannot be queued: send it on its own"
    )
    assert results["visit"]["ok"]  # the queue's real work goes on
    # Not one password was checked (a check is audited, right or wrong).
    logins = await _ids(
        engine_for, fresh_db, "SELECT count(*) FROM audit_events WHERE action LIKE 'login%'"
    )
    assert logins == {"0"}
