"""Which documents the compiled read path serves, and what a compiled request costs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from app.database import raw_connection
from schema.compiler.documents import CompiledDocument, compiled_document
from tests.conftest import access_token, service_client
from tests.graphql import counting_statements, graphql_body, query_data

CONTRACT = Path(__file__).parents[2] / "mobile_contract"
# The app's queries that strawberry still answers field by field: no SQL mapping yet for
# the types they read (cases' histories and statuses), and the account's own row (`me`, read
# once after a login: one statement either way).
NOT_COMPILED = {"CaseStatus", "CaseTimeline", "Viewer"}


def app_queries() -> dict[str, str]:
    """The manifest's query documents by operation name."""
    found = {}
    for path in sorted((CONTRACT / "operations").glob("*.graphql")):
        document = path.read_text()
        code = "\n".join(line for line in document.splitlines() if not line.startswith("#"))
        if code.lstrip().startswith("query"):
            found[path.stem] = document
    return found


def test_the_app_s_queries_are_compiled_but_those_listed() -> None:
    queries = app_queries()
    assert len(queries) >= 10 and "Caseload" in queries
    served = {name for name, document in queries.items() if compiled_document(document, name)}
    assert set(queries) - served == NOT_COMPILED


def test_documents_outside_the_mapping_go_the_strawberry_way() -> None:
    assert (
        compiled_document(
            "{ children(first: 1) { edges { node { moveHistory { movedAt } } } } }", None
        )
        is None
    )
    assert (
        compiled_document(
            "{ children(first: 1) { ...F } } fragment F on ChildConnection { totalCount }", None
        )
        is None
    )
    assert compiled_document("{ children(first: 1) { totalCount } me { username } }", None) is None
    assert compiled_document("{ children(first: 1) { nope } }", None) is None
    assert compiled_document("{ children(first: 1) { totalCount } }", None) is not None


@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        ("Caseload", {"first": 5}),
        ("Caseload", {"first": 50}),
        ("DueVisits", {"withinDays": 30, "first": 50}),
        ("MyTasks", {"first": 50}),
        ("MyTasks", {"status": "OPEN", "first": 5}),
    ],
)
async def test_a_compiled_request_is_the_scope_setting_and_one_statement(
    demo_client: AsyncClient, demo_db: str, operation: str, variables: dict[str, Any]
) -> None:
    token = await access_token(demo_db, "demo-village")
    document = app_queries()[operation]
    await query_data(demo_client, token, document, **variables)  # the caller's account, cached
    with counting_statements(demo_client) as statements:
        data = await query_data(demo_client, token, document, **variables)
    page = next(iter(data.values()))
    assert page.get("edges") or page.get("children")
    # set_config (scope, time limit), then the statement that reads and audits.
    assert len(statements) == 2, statements
    assert "set_config" in statements[0]


async def test_child_detail_is_one_statement_too(demo_client: AsyncClient, demo_db: str) -> None:
    token = await access_token(demo_db, "demo-village")
    page = await query_data(demo_client, token, app_queries()["Caseload"], first=1)
    child_id = page["children"]["edges"][0]["node"]["id"]
    with counting_statements(demo_client) as statements:
        data = await query_data(demo_client, token, app_queries()["ChildDetail"], id=child_id)
    assert data["child"]["id"] == child_id and json.dumps(data).count("idNumber") >= 1
    assert len(statements) == 2, statements


async def test_a_case_by_node_is_one_statement_too(demo_client: AsyncClient, demo_db: str) -> None:
    token = await access_token(demo_db, "demo-township")
    cases = await query_data(demo_client, token, "{ cases(first: 1) { edges { node { id } } } }")
    case_id = cases["cases"]["edges"][0]["node"]["id"]
    with counting_statements(demo_client) as statements:
        data = await query_data(demo_client, token, app_queries()["CaseDetail"], id=case_id)
    assert data["node"]["id"] == case_id and data["node"]["child"]["name"]
    assert len(statements) == 2, statements


def test_a_node_document_is_compiled_for_the_types_it_asks_about() -> None:
    case = "query($id: ID!) { node(id: $id) { id ... on Node { id } ... on Case { stage } } }"
    found = compiled_document(case, None)
    assert found is not None and "Case" in found.node_types
    # A type without a mapping, a named fragment: the strawberry way.
    household = "query($id: ID!) { node(id: $id) { id ... on Household { address } } }"
    assert compiled_document(household, None) is None
    named = "query($id: ID!) { node(id: $id) { ...F } } fragment F on Case { stage }"
    assert compiled_document(named, None) is None


async def test_a_compiled_statement_over_the_timeout_is_the_root_s_typed_error(
    demo_db: str,
) -> None:
    token = await access_token(demo_db, "demo-village")
    document = "query Slow { children(first: 1) { edges { node { id } } } }"
    async for client in service_client(demo_db, statement_timeout_seconds=0.3):
        await query_data(client, token, document)
        compiled = compiled_document(document, None)
        assert compiled is not None and compiled.plans
        for shape, plan in compiled.plans.items():
            # The same request, now a statement that outlasts the limit.
            compiled.plans[shape] = replace(
                plan, sql="SELECT pg_sleep(3)::text", positions=(), variable_names=()
            )
        body = await graphql_body(client, token, document, language="en")
        compiled.plans.clear()
        assert body["data"] is None
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "QUERY_TIMEOUT" and error["path"] == ["children"]
        assert error["message"] == "the database took too long to answer: ask for less and retry"
        # The connection went back to the pool in order: no transaction left open (whose
        # local settings would carry the caller's scope into the next request).
        assert await pooled_transactions(client) == []
        assert (await query_data(client, token, document))["children"]["edges"]
        assert await pooled_transactions(client) == []


async def pooled_transactions(client: AsyncClient) -> list[str]:
    """The scopes of the service's pooled connections that are inside a transaction."""
    engine = client._transport.app.state.engine  # type: ignore[attr-defined]
    idle = engine.pool.checkedin()
    assert idle >= 1
    connections = [await engine.connect() for _ in range(idle)]
    try:
        found = []
        for conn in connections:
            driver = await raw_connection(conn)
            if driver.is_in_transaction():
                found.append(await driver.fetchval("SELECT current_setting('shouhu.scope')"))
        return found
    finally:
        for conn in connections:
            await conn.close()


async def test_a_repeated_request_binds_what_the_first_prepared(
    demo_client: AsyncClient, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same caller's same variables build the same terms: the second time, they are not
    built again; other variables, or another caller, are."""
    built: list[str] = []
    terms = CompiledDocument._variable_terms

    def counted(*args: Any) -> Any:
        built.append(args[0].type_name if hasattr(args[0], "type_name") else "custom")
        return terms(*args)

    monkeypatch.setattr(CompiledDocument, "_variable_terms", staticmethod(counted))
    compiled_document.cache_clear()  # what other tests' requests prepared is gone
    village = await access_token(demo_db, "demo-village")
    township = await access_token(demo_db, "demo-township")
    document = app_queries()["Caseload"]
    first = await query_data(demo_client, village, document, first=3)
    again = await query_data(demo_client, village, document, first=3)
    assert first == again and len(first["children"]["edges"]) == 3
    assert len(built) == 1
    other = await query_data(demo_client, village, document, first=2)
    assert other["children"]["edges"] == first["children"]["edges"][:2]
    wider = await query_data(demo_client, township, document, first=3)
    assert wider["children"]["totalCount"] > first["children"]["totalCount"]
    assert len(built) == 3
