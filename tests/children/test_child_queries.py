"""The field worker's queries: the caseload without N+1, filters, the child file, labels."""

from __future__ import annotations

import pytest_asyncio
from httpx import AsyncClient
from sqlalchemy import text

from app.seed.demo import DEMO_VILLAGE
from tests.conftest import TODAY_SQL, EngineFactory, access_token
from tests.graphql import counting_statements, query_data

CASELOAD = """
query Caseload($first: Int!) {
  children(first: $first) {
    totalCount
    edges { node {
      id name age categories isKeyChild nextVisitDue visitOverdue
      household { address parents { name status workPlace contactFrequency } }
      activeGuardian { guardianName relation capacity confirmedAt }
      lastVisit { visitedAt kind }
      openCaseCount
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest_asyncio.fixture(loop_scope="session")
async def village(demo_db: str) -> str:
    return await access_token(demo_db, "demo-village")


async def test_caseload_costs_the_same_few_statements_for_5_and_50_children(
    demo_client: AsyncClient, village: str
) -> None:
    # Warm: the first request of a caller also looks up its account (cached for
    # SHOUHU_IDENTITY_CACHE_SECONDS) and a worker loads the policy now and then.
    await query_data(demo_client, village, CASELOAD, first=1)
    counts = {}
    for first in (5, 50):
        with counting_statements(demo_client) as statements:
            data = await query_data(demo_client, village, CASELOAD, first=first)
        assert len(data["children"]["edges"]) == first
        assert all(e["node"]["household"]["parents"] for e in data["children"]["edges"])
        counts[first] = len(statements)
    # 7: the page and what it shows, and one for the read audit however many children.
    assert counts[5] == counts[50] <= 7, counts


async def test_filters_narrow_the_list(
    demo_client: AsyncClient, village: str, demo_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(demo_db).connect() as conn:
        expected = {
            "leftBehind": await conn.scalar(
                text("SELECT count(*) FROM children WHERE area_code = :v AND status = 'active' "
                     "AND 'left_behind' = ANY(categories)"), {"v": DEMO_VILLAGE}),
            "key": await conn.scalar(
                text("SELECT count(*) FROM children WHERE area_code = :v AND status = 'active' "
                     "AND is_key_child"), {"v": DEMO_VILLAGE}),
            "young": await conn.scalar(
                text("SELECT count(*) FROM children WHERE area_code = :v AND status = 'active' "
                     f"AND birth_date > {TODAY_SQL} - interval '6 years'"), {"v": DEMO_VILLAGE}),
        }  # fmt: skip
    query = "query($f: ChildFilter) { children(filter: $f, first: 1) { totalCount } }"
    counted = {
        "leftBehind": {"category": "LEFT_BEHIND"},
        "key": {"keyChild": True},
        "young": {"maxAge": 5},
    }
    for name, child_filter in counted.items():
        data = await query_data(demo_client, village, query, f=child_filter)
        assert data["children"]["totalCount"] == expected[name], name
    assert expected["leftBehind"] > 10
    nobody = await query_data(demo_client, village, query, f={"minAge": 9, "maxAge": 3})
    assert nobody["children"]["totalCount"] == 0


async def test_due_visits_soonest_first(demo_client: AsyncClient, village: str) -> None:
    data = await query_data(
        demo_client,
        village,
        "{ dueVisits(withinDays: 60, first: 100) { edges { node { nextVisitDue } } } }",
    )
    dues = [e["node"]["nextVisitDue"] for e in data["dueVisits"]["edges"]]
    assert dues
    assert dues == sorted(dues)


async def test_enum_values_carry_chinese_labels(demo_client: AsyncClient, village: str) -> None:
    data = await query_data(
        demo_client,
        village,
        '{ __type(name: "ParentStatus") { enumValues { name description } } }',
    )
    labels = {v["name"]: v["description"] for v in data["__type"]["enumValues"]}
    assert labels["WORKING_AWAY"] == "外出务工"
    assert all(labels.values())


async def test_ngo_gets_the_service_view_only(demo_client: AsyncClient, demo_db: str) -> None:
    ngo = await access_token(demo_db, "demo-ngo")
    data = await query_data(
        demo_client,
        ngo,
        "{ children(first: 50) { edges { node { name categories disability idNumber "
        "household { id } isKeyChild } } } }",
    )
    nodes = [e["node"] for e in data["children"]["edges"]]
    assert nodes
    for node in nodes:
        assert node["name"] and node["categories"] is not None
        assert node["disability"] is None and node["idNumber"] is None
        assert node["household"] is None and node["isKeyChild"] is None
