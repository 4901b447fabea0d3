"""Writes to a child's file: validation, scope, concurrency, idempotency, derived facts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from httpx import AsyncClient
from sqlalchemy import text

from app.seed.demo import DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import EngineFactory, access_token
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
