"""Writes to a household and its parents, and the children's categories that follow them."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import text

from app.seed.demo import DEMO_VILLAGE
from tests.conftest import EngineFactory, access_token
from tests.documents import (
    REGISTER_CHILD,
    REGISTER_HOUSEHOLD,
    UPDATE_PARENT,
    child_input,
    household_input,
    register_household,
)
from tests.graphql import query_data


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
