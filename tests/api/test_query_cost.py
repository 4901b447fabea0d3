"""Expensive to accept: an operation's cost is known and limited before it runs, and no SQL
statement of a request runs longer than the statement timeout (issue 12, finding 5)."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
from graphql import GraphQLObjectType, get_named_type, get_nullable_type, is_list_type, parse
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions.validation_cache import _get_validate_cache

from app import mobile_contract
from app.settings import Settings
from schema import schema
from schema.core.cost import LIST_SIZES, operation_cost
from tests.conftest import access_token, service_client
from tests.graphql import counting_statements

SCHEMA = schema._schema
ENGLISH = {"Accept-Language": "en"}
# The finding: 30 aliases of a page of 100 children, each with its visits and household.
INNER = (
    "edges { node { id name household { id address parents { name } } "
    "visits(first: 100) { edges { node { id visitedAt kind } } } } }"
)
FINDING = "{ " + " ".join(f"a{i}: children(first: 100) {{ {INNER} }}" for i in range(30)) + " }"
# 30 pages of 100 children with their households: 9,030.
BROAD = (
    "{ "
    + " ".join(f"a{i}: children(first: 100) {{ edges {{ node {{ id household {{ id }} }} }} }}"
               for i in range(30))
    + " }"
)  # fmt: skip


def cost(document: str, variables: dict[str, Any] | None = None, **options: Any) -> int:
    return operation_cost(SCHEMA, parse(document), None, variables, **options)


@pytest.mark.parametrize("name", sorted(mobile_contract.operations()))
def test_every_operation_of_the_app_stays_under_the_field_workers_limit(name: str) -> None:
    # Whatever page sizes the app asks for (every `first` at its maximum), it never hits
    # the limit; the heaviest (SyncPush, SyncPull, Caseload) cost 1,200, 1,001 and 912.
    document = mobile_contract.operations()[name]
    assert cost(document, worst_case=True) * 4 <= Settings().query_cost_limit


def test_a_cost_counts_objects_and_multiplies_lists() -> None:
    assert cost("{ me { username } }") == 1
    assert cost("{ children { edges { node { id } } } }") == 1 + 20 * 2  # default page
    assert cost("{ children(first: 100) { totalCount edges { node { id } } } }") == 211
    nested = (
        "{ children(first: 10) { edges { node { visits(first: 5) { edges { node { id } } } } } } }"
    )
    assert cost(nested) == 1 + 10 * (2 + 1 + 5 * 2)
    # A short list without `first` counts as its estimate (a household's parents: 4).
    assert cost("{ households(first: 1) { edges { node { parents { id } } } } }") == 1 + 1 * (2 + 4)
    # The kinds of a sync page share its `first`; introspection is free.
    assert cost("{ syncPull(first: 300) { children { id } visits { id } cursor } }") == 301
    assert cost("{ __schema { types { name fields { name } } } }") == 0


def test_first_comes_from_variables_and_out_of_range_counts_as_the_maximum() -> None:
    page = "query($n: Int) { children(first: $n) { edges { node { id } } } }"
    assert cost(page, {"n": 3}) == 7
    assert cost(page, {}) == 41  # the default page of 20
    assert cost(page, {"n": 100_000}) == cost(page, {"n": "lots"}) == 201
    assert cost(page, {"n": 3}, worst_case=True) == 201


def test_aliases_and_fragments_count_every_time() -> None:
    once = cost("{ children(first: 10) { edges { node { id } } } }")
    assert cost("{ a: children(first: 10) { edges { node { id } } } b: children(first: 10) "
                "{ edges { node { id } } } }") == 2 * once  # fmt: skip
    spread = (
        "query { ...F ...F } fragment F on Query { children(first: 10) { edges { node { id } } } }"
    )
    assert cost(spread) == 2 * once


def test_fragments_spread_exponentially_are_counted_in_linear_time() -> None:
    # Each fragment spreads the next one twice: 2^40 pages, counted without walking them.
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    document = f"query {{ ...F0 }} {chain} fragment F40 on Query {{ me {{ username }} }}"
    started = time.perf_counter()
    assert cost(document) == 2**40
    assert time.perf_counter() - started < 0.5


def _object_lists() -> Iterator[str]:
    for type_ in SCHEMA.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            inner = get_named_type(field.type)
            if (
                is_list_type(get_nullable_type(field.type))
                and isinstance(inner, GraphQLObjectType)
                and "first" not in field.args
                and not type_.name.endswith("Connection")  # edges: sized by the page
                and type_.name != "SyncPage"  # sized by syncPull's first
            ):
                yield f"{type_.name}.{name}"


def test_every_list_without_first_has_an_estimate() -> None:
    lists = set(_object_lists())
    known = {c for c in lists if c in LIST_SIZES or f"*.{c.split('.')[1]}" in LIST_SIZES}
    assert sorted(lists - known) == []
    assert sorted(c for c in LIST_SIZES if not c.startswith("*.") and c not in lists) == []


async def test_the_findings_document_is_refused_without_touching_the_data(
    demo_client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    headers = {"Authorization": f"Bearer {token}", **ENGLISH}
    await demo_client.post("/graphql", json={"query": "{ me { username } }"}, headers=headers)
    # The token and the scope are cached now.
    with counting_statements(demo_client) as statements:
        response = await demo_client.post("/graphql", json={"query": FINDING}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 624_030, "limit": 5_000}
    assert error["message"] == (
        "the query costs 624030, more than the 5000 allowed: ask for fewer items or fields"
    )
    assert not [s for s in statements if "children" in s or "visits" in s], statements


async def test_the_limit_depends_on_the_caller(demo_db: str) -> None:
    async for client in service_client(demo_db):
        for username, refused in (("demo-village", True), ("demo-county", False)):
            token = await access_token(demo_db, username)
            response = await client.post(
                "/graphql", json={"query": BROAD}, headers={"Authorization": f"Bearer {token}"}
            )
            codes = [e["extensions"]["code"] for e in response.json().get("errors", [])]
            assert codes == (["QUERY_TOO_COSTLY"] if refused else []), username
        # Without credentials: only logging in, whose cost is 7.
        response = await client.post("/graphql", json={"query": "{ __typename }"})
        assert "errors" not in response.json()


async def test_the_limits_are_settings(demo_db: str) -> None:
    token = await access_token(demo_db, "demo-village")
    document = "{ children(first: 10) { edges { node { id } } } }"  # 21
    async for client in service_client(demo_db, query_cost_limit=20):
        response = await client.post(
            "/graphql",
            json={"query": document},
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh"},
        )
        (error,) = response.json()["errors"]
        assert error["message"] == "查询开销为 21，超过上限 20，请减少每页条数或查询字段"


async def test_a_document_is_validated_once(demo_client: AsyncClient, demo_db: str) -> None:
    # strawberry's cache of validations (keyed on the document and the rule classes).
    cache = cast("functools._lru_cache_wrapper[object]", _get_validate_cache(256))
    token = await access_token(demo_db, "demo-village")
    body = {"query": "{ me { username role } }"}
    headers = {"Authorization": f"Bearer {token}"}
    await demo_client.post("/graphql", json=body, headers=headers)
    before = cache.cache_info()
    for _ in range(3):
        await demo_client.post("/graphql", json=body, headers=headers)
    after = cache.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (3, 0)


# The statement timeout.


async def _slow_list(session: AsyncSession, *args: Any, **kwargs: Any) -> list[Any]:
    await session.execute(text("SELECT pg_sleep(5)"))
    return []


async def test_a_statement_over_the_timeout_is_a_typed_error(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("schema.children.query.list_children", _slow_list)
    token = await access_token(demo_db, "demo-village")
    headers = {"Authorization": f"Bearer {token}", **ENGLISH}
    document = "{ children(first: 1) { edges { node { id } } } }"
    areas = "{ areas(first: 1) { edges { node { code } } } }"
    # The field-by-field path (its store function is the slow one here); the compiled
    # path's own timeout: tests/compiler/test_compiled_documents.py.
    settings = {"statement_timeout_seconds": 0.3, "compiled_reads": False}
    async for client in service_client(demo_db, **settings):
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": document}, headers=headers)
        assert time.perf_counter() - started < 4
        assert response.status_code == 200
        body = response.json()
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "QUERY_TIMEOUT"
        assert error["path"] == ["children"]
        assert error["message"] == "the database took too long to answer: ask for less and retry"
        # The connection went back to the pool in order.
        response = await client.post("/graphql", json={"query": areas}, headers=headers)
        assert len(response.json()["data"]["areas"]["edges"]) == 1


async def test_each_request_transaction_carries_the_timeout(demo_db: str) -> None:
    token = await access_token(demo_db, "demo-village")
    async for client in service_client(demo_db, statement_timeout_seconds=2.5):
        # One document strawberry answers, one the compiled path does.
        with counting_statements(client) as statements:
            for document in (
                "{ areas(first: 1) { edges { node { code } } } }",
                "{ children(first: 1) { edges { node { id } } } }",
            ):
                response = await client.post(
                    "/graphql",
                    json={"query": document},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert "errors" not in response.json()
    settings = [s for s in statements if s.startswith("SELECT set_config(")]
    assert len(settings) == 2 and all("statement_timeout" in s for s in settings), statements
