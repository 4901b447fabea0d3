"""Writes to a child's file: validation, scope, concurrency, idempotency, derived facts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import text

from app.seed.demo import DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import TODAY, EngineFactory, access_token
from tests.documents import (
    RECORD_VISIT,
    REGISTER_CHILD,
    REGISTER_HOUSEHOLD,
    UPDATE_PARENT,
    child_input,
    household_input,
    register_household,
)
from tests.graphql import gid, query_data


async def test_register_household_and_child_then_a_parent_leaves(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    household = await register_household(fresh_client, token)
    assert household["areaCode"] == DEMO_VILLAGE
    assert [p["status"] for p in household["parents"]] == ["AT_HOME", "WORKING_AWAY"]
    registered = await query_data(
        fresh_client, token, REGISTER_CHILD, input={"child": child_input(household["id"])}
    )
    child = registered["registerChild"]
    assert child["errors"] == []
    assert "LEFT_BEHIND" not in child["child"]["categories"]  # the father is at home
    father = household["parents"][0]
    moved = await query_data(
        fresh_client, token, UPDATE_PARENT,
        input={"id": father["id"], "expectedVersion": 1, "parent": {
            "relation": "FATHER", "name": "张伟", "status": "WORKING_AWAY",
            "workPlace": "浙江省杭州市"}},
    )  # fmt: skip
    assert moved["updateParent"]["errors"] == []
    assert moved["updateParent"]["parent"]["version"] == 2
    refreshed = await query_data(
        fresh_client, token, "query($id: ID!) { child(id: $id) { categories isKeyChild } }",
        id=child["child"]["id"],
    )  # fmt: skip
    # Both parents away and the child under 16: left-behind, derived, not typed in.
    assert "LEFT_BEHIND" in refreshed["child"]["categories"]
    async with engine_for(fresh_db).connect() as conn:
        audited = await conn.scalar(
            text("SELECT count(*) FROM audit_events WHERE action IN "
                 "('registerHousehold', 'registerChild', 'updateParent')")
        )  # fmt: skip
    assert audited == 3


async def test_stale_version_is_a_conflict_with_the_current_record(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    token = await access_token(fresh_db, "demo-village")
    household = await register_household(fresh_client, token)
    father = household["parents"][0]
    update = {
        "id": father["id"],
        "expectedVersion": 1,
        "parent": {"relation": "FATHER", "name": "张伟", "status": "WORKING_AWAY"},
    }
    first = await query_data(fresh_client, token, UPDATE_PARENT, input=update)
    assert first["updateParent"]["errors"] == []
    second = await query_data(fresh_client, token, UPDATE_PARENT, input=update)
    assert second["updateParent"]["parent"] is None
    assert second["updateParent"]["errors"][0]["code"] == "VERSION_CONFLICT"
    assert second["updateParent"]["current"] == {
        "id": father["id"], "version": 2, "status": "WORKING_AWAY"
    }  # fmt: skip


async def test_bad_input_is_reported_field_by_field_and_nothing_is_written(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    async with engine_for(fresh_db).connect() as conn:
        before = await conn.scalar(text("SELECT count(*) FROM households"))
    bad = household_input(
        phone="12345",
        parents=[{"relation": "FATHER", "name": " ", "status": "AT_HOME",
                  "idNumber": "420702199001011234", "awaySince": "2999-01-01"}],
    )  # fmt: skip
    data = await query_data(fresh_client, token, REGISTER_HOUSEHOLD, input=bad)
    codes = {(e["code"], e["field"]) for e in data["registerHousehold"]["errors"]}
    assert codes >= {
        ("INVALID_PHONE", "phone"),
        ("REQUIRED", "parents.0.name"),
        ("INVALID_ID_NUMBER", "parents.0.idNumber"),
        ("FUTURE_DATE", "parents.0.awaySince"),
    }
    assert data["registerHousehold"]["household"] is None
    async with engine_for(fresh_db).connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM households")) == before


async def test_id_number_must_agree_with_birth_date_and_be_unique(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    village = await access_token(fresh_db, "demo-village")
    household = await register_household(fresh_client, village)
    mismatch = child_input(household["id"], birthDate="2016-05-21")
    data = await query_data(fresh_client, village, REGISTER_CHILD, input={"child": mismatch})
    assert data["registerChild"]["errors"][0]["code"] == "ID_NUMBER_MISMATCH"
    ok = await query_data(fresh_client, village, REGISTER_CHILD,
                    input={"child": child_input(household["id"])})  # fmt: skip
    assert ok["registerChild"]["errors"] == []
    again = await query_data(fresh_client, village, REGISTER_CHILD,
                       input={"child": child_input(household["id"], name="张二")})  # fmt: skip
    assert again["registerChild"]["errors"][0]["code"] == "DUPLICATE_CHILD"
    assert again["registerChild"]["current"]["id"] == ok["registerChild"]["child"]["id"]
    # In another village the same number is refused too, without a pointer: passed on.
    village2 = await access_token(fresh_db, "demo-village2")
    elsewhere = await query_data(fresh_client, village2, REGISTER_HOUSEHOLD,
                           input=household_input(areaCode=DEMO_VILLAGE2))  # fmt: skip
    household2 = elsewhere["registerHousehold"]["household"]
    other = await query_data(fresh_client, village2, REGISTER_CHILD,
                       input={"child": child_input(household2["id"])})  # fmt: skip
    assert other["registerChild"]["errors"][0]["code"] == "ID_NUMBER_UNDER_REVIEW"
    assert other["registerChild"]["current"] is None


async def test_creates_with_a_client_id_are_idempotent(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    client_id = str(uuid.uuid4())
    payload = household_input(id=client_id)
    first = await query_data(fresh_client, token, REGISTER_HOUSEHOLD, input=payload)
    retry = await query_data(fresh_client, token, REGISTER_HOUSEHOLD, input=payload)
    assert first["registerHousehold"]["household"]["id"] == gid("Household", client_id)
    assert retry["registerHousehold"] == first["registerHousehold"]
    changed = await query_data(fresh_client, token, REGISTER_HOUSEHOLD,
                         input={**payload, "address": "另一个地址"})  # fmt: skip
    assert changed["registerHousehold"]["errors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    async with engine_for(fresh_db).connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM households WHERE id = :id"), {"id": client_id}
        )
    assert count == 1


# The writes the out-of-scope caller attempts, as audited.
WRITES = text(
    "SELECT count(*) FROM audit_events WHERE action IN "
    "('registerHousehold', 'registerChild', 'updateParent', 'recordVisit', 'updateChild')"
)


async def test_writes_outside_the_scope_find_nothing(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    village = await access_token(fresh_db, "demo-village")
    village2 = await access_token(fresh_db, "demo-village2")
    household = await factories.household(fresh_client, village, DEMO_VILLAGE)
    child = await factories.child(fresh_client, village, DEMO_VILLAGE, household_id=household["id"])
    async with engine_for(fresh_db).connect() as conn:
        writes_before = await conn.scalar(WRITES)
    foreign_household = household["id"]
    attempts = {
        "registerHousehold": (REGISTER_HOUSEHOLD, household_input()),
        "registerChild": (REGISTER_CHILD, {"child": child_input(foreign_household)}),
        "updateParent": (UPDATE_PARENT, {
            "id": household["parents"][0]["id"], "expectedVersion": 1,
            "parent": {"relation": "FATHER", "name": "x", "status": "AT_HOME"}}),
        "recordVisit": (RECORD_VISIT, {
            "childId": child["id"], "visitedAt": datetime.now(UTC).isoformat(),
            "kind": "ROUTINE", "livingConditions": "GOOD", "guardianship": "GOOD",
            "schooling": "GOOD", "health": "GOOD", "mentalState": "GOOD"}),
    }  # fmt: skip
    for name, (mutation, payload) in attempts.items():
        data = await query_data(fresh_client, village2, mutation, input=payload)
        codes = {e["code"] for e in data[name]["errors"]}
        assert codes & {"NOT_FOUND", "FORBIDDEN"}, (name, data)
    update_child = """mutation($input: UpdateChildInput!) {
        updateChild(input: $input) { child { id } errors { code } } }"""
    data = await query_data(fresh_client, village2, update_child, input={
        "id": child["id"], "expectedVersion": child["version"],
        "child": child_input(foreign_household)})  # fmt: skip
    assert data["updateChild"]["errors"][0]["code"] == "NOT_FOUND"
    async with engine_for(fresh_db).connect() as conn:
        writes = await conn.scalar(WRITES)
    assert writes == writes_before


async def test_a_visit_moves_the_next_visit_due_and_cannot_be_in_the_future(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    made = await factories.child(fresh_client, token, DEMO_VILLAGE)
    assert not made["isKeyChild"]  # visited quarterly
    visit = {
        "childId": made["id"], "visitedAt": datetime.now(UTC).isoformat(),
        "kind": "QUARTERLY_CHECK", "livingConditions": "GOOD", "guardianship": "FAIR",
        "schooling": "GOOD", "health": "GOOD", "mentalState": "GOOD", "notes": "正常",
    }  # fmt: skip
    data = await query_data(fresh_client, token, RECORD_VISIT, input=visit)
    assert data["recordVisit"]["errors"] == []
    child = await query_data(
        fresh_client, token, "query($id: ID!) { child(id: $id) { nextVisitDue lastVisitAt } }",
        id=made["id"],
    )  # fmt: skip
    due = date.fromisoformat(child["child"]["nextVisitDue"])
    assert TODAY + timedelta(days=28) <= due <= TODAY + timedelta(days=92)
    future = {**visit, "visitedAt": (datetime.now(UTC) + timedelta(days=2)).isoformat()}
    refused = await query_data(fresh_client, token, RECORD_VISIT, input=future)
    assert refused["recordVisit"]["errors"][0]["code"] == "FUTURE_DATE"


async def test_poverty_flags_make_a_child_in_economic_difficulty(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    token = await access_token(fresh_db, "demo-village")
    household = await register_household(fresh_client, token)
    registered = await query_data(
        fresh_client, token, REGISTER_CHILD, input={"child": child_input(household["id"])}
    )
    child_id = registered["registerChild"]["child"]["id"]
    assert "DIFFICULTY_ECONOMIC" not in registered["registerChild"]["child"]["categories"]
    update = """mutation($input: UpdateHouseholdInput!) {
        updateHousehold(input: $input) { household { version } errors { code } } }"""
    changes = {
        "id": household["id"],
        "expectedVersion": household["version"],
        "areaCode": DEMO_VILLAGE,
        "address": household["address"],
        "minimumAllowance": True,
    }
    data = await query_data(fresh_client, token, update, input=changes)
    assert data["updateHousehold"]["errors"] == []
    child = await query_data(
        fresh_client, token, "query($id: ID!) { child(id: $id) { categories } }", id=child_id
    )
    assert "DIFFICULTY_ECONOMIC" in child["child"]["categories"]


async def test_orphans_and_de_facto_unsupported_children_follow_the_parents(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    token = await access_token(fresh_db, "demo-village")
    parents = [
        {"relation": "FATHER", "name": "张伟", "status": "DECEASED"},
        {"relation": "MOTHER", "name": "李芳", "status": "DECEASED"},
    ]
    created = await query_data(
        fresh_client, token, REGISTER_HOUSEHOLD, input=household_input(parents=parents)
    )
    household = created["registerHousehold"]["household"]
    registered = await query_data(fresh_client, token, REGISTER_CHILD, input={
        "child": child_input(household["id"], livingArrangement="WITH_GRANDPARENTS")})  # fmt: skip
    child = registered["registerChild"]["child"]
    # Nobody ticked scatteredOrphan: both parents dead make the orphan, and without an
    # entrusted guardian the child is a key child.
    assert child["categories"] == ["SCATTERED_ORPHAN"] and child["isKeyChild"] is True
    father = household["parents"][0]
    jailed = await query_data(fresh_client, token, UPDATE_PARENT, input={
        "id": father["id"], "expectedVersion": 1,
        "parent": {"relation": "FATHER", "name": "张伟", "status": "IMPRISONED"}})  # fmt: skip
    assert jailed["updateParent"]["errors"] == []
    query = "query($id: ID!) { child(id: $id) { categories keyChildReasons } }"
    now = (await query_data(fresh_client, token, query, id=child["id"]))["child"]
    # One parent dead, the other in prison: de-facto unsupported (民发〔2019〕62号).
    assert now["categories"] == ["DE_FACTO_UNSUPPORTED"]
    assert now["keyChildReasons"] == ["POOR_GUARDIANSHIP", "PARENT_IMPRISONED"]
