"""Every bad input gets a typed answer: a GraphQL error with a stable `extensions.code`, or a
payload error inside a mutation; never a 500 or "Unexpected error." (issue 12, finding 10).

Each case names the request and the code it must get. Most failed before as "Unexpected
error.": wrong variable types, invalid enums or dates in variables, NUL characters, bad global
ids, `maxAge: 100000000`, `expectedVersion: 2^53`; a visit with 10,000 risks and one in year 1
were accepted.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text

from app.domain.validation import (
    MAX_LIST_ITEMS,
    check_list_length,
    check_not_future,
)
from app.mobile_contract import CONTRACT_DIR, document_id
from app.seed.demo import DEMO_VILLAGE
from tests import factories
from tests.conftest import PINNED_NOW, EngineFactory, access_token
from tests.graphql import gid
from tests.world import key_of


@dataclass(frozen=True)
class Case:
    """A request and the code of the GraphQL error it must get."""

    name: str
    query: str
    code: str
    variables: dict[str, Any] = field(default_factory=dict)


CHILDREN = "query($f: ChildFilter) { children(filter: $f) { totalCount } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
VISIT = """mutation($t: DateTime!) { recordVisit(input: {
    childId: "Q2hpbGQ6MQ==", visitedAt: $t, kind: ROUTINE, livingConditions: GOOD,
    guardianship: GOOD, schooling: GOOD, health: GOOD, mentalState: GOOD
}) { errors { code } } }"""
STEP = """mutation($v: Int!) { startAssessment(input: {
    caseId: "Q2FzZTowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA=", expectedVersion: $v
}) { errors { code } } }"""

QUERY_CASES = [
    # Variables of the wrong type: graphql-core's coercion errors, masked before.
    Case("an Int variable given text", "query($f: Int) { children(first: $f) { totalCount } }",
         "BAD_USER_INPUT", {"f": "abc"}),
    Case("a Boolean field given text", CHILDREN, "BAD_USER_INPUT", {"f": {"keyChild": "yes"}}),
    Case("an invalid enum in variables", CHILDREN, "BAD_USER_INPUT", {"f": {"category": "NOPE"}}),
    Case("an unknown input field", CHILDREN, "BAD_USER_INPUT", {"f": {"nope": 1}}),
    Case("an invalid date-time in variables", VISIT, "BAD_USER_INPUT", {"t": "2026-13-45"}),
    Case("an invalid date in variables",
         "query($d: Date) { areaStatistics(areaCode: \"420702\", asOf: $d) { asOf } }",
         "BAD_USER_INPUT", {"d": "2026-02-30"}),
    Case("a required variable missing", VISIT, "BAD_USER_INPUT"),
    Case("expectedVersion 2^53", STEP, "BAD_USER_INPUT", {"v": 2**53}),
    Case("expectedVersion 2^53 written in the document",
         STEP.replace("($v: Int!)", "").replace("$v", str(2**53)), "GRAPHQL_VALIDATION_FAILED"),
    Case("statistics as of year 1",
         '{ areaStatistics(areaCode: "420702", asOf: "0001-01-01") { asOf } }', "TOO_EARLY"),
    # Text no record may hold.
    Case("a NUL character in a variable", CHILDREN, "BAD_USER_INPUT", {"f": {"name": "a\x00b"}}),
    Case("a NUL character in a key", CHILDREN, "BAD_USER_INPUT", {"f": {"na\x00me": "a"}}),
    Case("a NUL character in a literal",
         '{ children(filter: {name: "a\\u0000b"}) { totalCount } }', "BAD_USER_INPUT"),
    # An unpaired surrogate in a variable does not get past the HTTP layer's JSON check
    # (test_refusals); in a literal graphql-core's parser refuses it.
    Case("an unpaired surrogate in a literal",
         '{ children(filter: {name: "a\\ud800b"}) { totalCount } }', "GRAPHQL_PARSE_FAILED"),
    # Global ids.
    Case("an id that is not base64", NODE, "INVALID_ID", {"id": "!!!"}),
    Case("an id of no type", NODE, "INVALID_ID", {"id": gid("Nope", uuid.uuid4())}),
    Case("an id without a type", NODE, "INVALID_ID", {"id": "Q2hpbGQ="}),  # "Child"
    Case("child(id:) not base64", "query($id: ID!) { child(id: $id) { id } }", "INVALID_ID",
         {"id": "!!!"}),
    Case("a bad id in a mutation's input",
         'mutation { startAssessment(input: {caseId: "!!!", expectedVersion: 1}) { __typename } }',
         "INVALID_ID"),
    # Numbers out of range.
    Case("maxAge 100000000", CHILDREN, "OUT_OF_RANGE", {"f": {"maxAge": 100_000_000}}),
    Case("minAge -1", CHILDREN, "OUT_OF_RANGE", {"f": {"minAge": -1}}),
    Case("first 0", "{ children(first: 0) { totalCount } }", "OUT_OF_RANGE"),
    Case("withinDays 10000", "{ dueVisits(withinDays: 10000) { totalCount } }", "OUT_OF_RANGE"),
    Case("a cursor that is none", '{ children(after: "garbage") { totalCount } }',
         "INVALID_CURSOR"),
    # The document itself.
    Case("not GraphQL", "{ children(", "GRAPHQL_PARSE_FAILED"),
    Case("an unknown field", "{ nope }", "GRAPHQL_VALIDATION_FAILED"),
]  # fmt: skip


async def _post(
    client: AsyncClient, token: str, body: dict[str, Any], language: str = "en"
) -> Response:
    # json.dumps escapes what httpx's encoder refuses (an unpaired surrogate).
    return await client.post(
        "/graphql",
        content=json.dumps(body),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept-Language": language,
        },
    )


def _codes(response: Response) -> list[str | None]:
    assert response.status_code == 200, response.text
    errors = response.json().get("errors") or []
    assert all(e.get("message") != "Unexpected error." for e in errors), errors
    return [(e.get("extensions") or {}).get("code") for e in errors]


@pytest.mark.parametrize("case", QUERY_CASES, ids=lambda case: case.name)
async def test_a_bad_request_gets_a_typed_error(
    demo_client: AsyncClient, demo_db: str, case: Case
) -> None:
    token = await access_token(demo_db, "demo-village")
    response = await _post(demo_client, token, {"query": case.query, "variables": case.variables})
    assert _codes(response) == [case.code], response.text


async def test_a_typed_error_speaks_the_callers_language(
    demo_client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    body = {"query": CHILDREN, "variables": {"f": {"maxAge": 100_000_000}}}
    chinese = (await _post(demo_client, token, body, language="zh")).json()["errors"][0]
    english = (await _post(demo_client, token, body, language="en")).json()["errors"][0]
    assert english["message"] == "maxAge must be between 0 and 18"
    assert chinese["message"] == "maxAge 应在 0 至 18 之间"
    nul = {"query": CHILDREN, "variables": {"f": {"name": "a\x00b"}}}
    message = (await _post(demo_client, token, nul)).json()["errors"][0]["message"]
    assert message == "$f.name holds a NUL character (U+0000) or an unpaired surrogate"


async def test_a_well_formed_id_of_nothing_is_simply_not_there(
    demo_client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    for id_ in (gid("Child", "not-a-uuid"), gid("Child", uuid.uuid4())):
        response = await _post(demo_client, token, {"query": NODE, "variables": {"id": id_}})
        assert response.json() == {"data": {"node": None}}


# Mutations: what the service refuses, with nothing written.

VISIT_INPUT = """mutation($input: RecordVisitInput!) { recordVisit(input: $input) {
    visit { id } errors { code field } } }"""


def _visit(child_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "childId": gid("Child", child_id), "visitedAt": PINNED_NOW.isoformat(),
        "kind": "ROUTINE", "livingConditions": "GOOD", "guardianship": "GOOD",
        "schooling": "GOOD", "health": "GOOD", "mentalState": "GOOD", **changes,
    }  # fmt: skip


async def _a_child(client: AsyncClient, token: str) -> str:
    """The key of a child of the demo village, registered by the token's holder."""
    return key_of((await factories.child(client, token, DEMO_VILLAGE))["id"])


async def _visits(engine_for: EngineFactory, url: str, child_id: str) -> int:
    async with engine_for(url).connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM visits WHERE child_id = :c"), {"c": child_id}
        )
    return int(count or 0)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"risksFound": ["发现风险"] * (MAX_LIST_ITEMS + 1)}, "TOO_MANY", "risksFound"),
        ({"visitedAt": "0001-01-01T00:00:00+08:00"}, "TOO_EARLY", "visitedAt"),
        ({"visitedAt": "1899-12-31T23:59:59+08:00"}, "TOO_EARLY", "visitedAt"),
        ({"id": "not-a-uuid"}, "INVALID_ID", "id"),
    ],
    ids=["51 risks", "visitedAt in year 1", "visitedAt in 1899", "a client id not a UUID"],
)
async def test_a_visit_that_cannot_be_is_refused_and_not_written(
    fresh_client: AsyncClient,
    fresh_db: str,
    engine_for: EngineFactory,
    changes: dict[str, Any],
    code: str,
    field: str,
) -> None:
    token = await access_token(fresh_db, "demo-village")
    child = await _a_child(fresh_client, token)
    before = await _visits(engine_for, fresh_db, child)
    body = {"query": VISIT_INPUT, "variables": {"input": _visit(child, **changes)}}
    response = await _post(fresh_client, token, body)
    assert _codes(response) == []
    payload = response.json()["data"]["recordVisit"]
    assert payload["visit"] is None
    assert {"code": code, "field": field} in payload["errors"]
    assert await _visits(engine_for, fresh_db, child) == before


async def test_a_visit_with_ten_thousand_risks_is_refused(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    # The finding's own request (2 MB): refused as TOO_MANY, with one error, not 10,000;
    # or, where a body size limit is in front of GraphQL, before it is read (413).
    token = await access_token(fresh_db, "demo-village")
    child = await _a_child(fresh_client, token)
    before = await _visits(engine_for, fresh_db, child)
    visit = _visit(child, risksFound=["险" * 200] * 10_000)
    body = {"query": VISIT_INPUT, "variables": {"input": visit}}
    response = await _post(fresh_client, token, body)
    if response.status_code != 413:
        assert _codes(response) == []
        payload = response.json()["data"]["recordVisit"]
        assert payload["errors"] == [{"code": "TOO_MANY", "field": "risksFound"}]
    assert await _visits(engine_for, fresh_db, child) == before


async def test_nul_in_a_mutation_is_refused_and_nothing_is_written(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    household = str(uuid.uuid4())
    query = """mutation($input: RegisterHouseholdInput!) { registerHousehold(input: $input) {
        household { id } errors { code } } }"""
    body = {"query": query, "variables": {"input": {
        "id": household, "areaCode": DEMO_VILLAGE, "address": "伯浩村\x001组"}}}  # fmt: skip
    assert _codes(await _post(fresh_client, token, body)) == ["BAD_USER_INPUT"]
    async with engine_for(fresh_db).connect() as conn:
        found = await conn.scalar(
            text("SELECT count(*) FROM households WHERE id = :h"), {"h": household}
        )
    assert found == 0


async def test_a_bad_client_id_inside_an_update_is_a_typed_error(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    # updateParent reads a parent's optional client id; "x" crashed it before.
    token = await access_token(fresh_db, "demo-village")
    household = await factories.household(fresh_client, token, DEMO_VILLAGE)
    parent = household["parents"][0]["id"]
    query = """mutation($input: UpdateParentInput!) { updateParent(input: $input) {
        parent { id } errors { code } } }"""
    parent_input = {"id": "x", "relation": "MOTHER", "name": "王芳", "status": "WORKING_AWAY"}
    body = {"query": query, "variables": {"input": {
        "id": parent, "expectedVersion": 1, "parent": parent_input}}}  # fmt: skip
    response = await _post(fresh_client, token, body)
    assert _codes(response) == []
    payload = response.json()["data"]["updateParent"]
    assert payload == {"parent": None, "errors": [{"code": "INVALID_ID"}]}


async def test_a_queued_operation_keeps_its_errors_code(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    # syncPush answered every GraphQL error of an operation as INVALID.
    token = await access_token(fresh_db, "demo-village")
    document = (CONTRACT_DIR / "operations" / "RecordVisit.graphql").read_text()
    operation = {"clientOperationId": "1", "documentId": document_id(document),
                 "variables": {"input": {"visitedAt": "2026-13-45"}}}  # fmt: skip
    push = """mutation($ops: [SyncOperationInput!]!) { syncPush(operations: $ops) {
        ok errors { code } } }"""
    response = await _post(fresh_client, token, {"query": push, "variables": {"ops": [operation]}})
    assert _codes(response) == []
    [result] = response.json()["data"]["syncPush"]
    assert result["ok"] is False
    assert {error["code"] for error in result["errors"]} == {"BAD_USER_INPUT"}


def test_a_list_is_at_most_fifty_items() -> None:
    assert check_list_length(["a"] * MAX_LIST_ITEMS, "risksFound") is None
    assert check_list_length(None, "risksFound") is None
    problem = check_list_length(["a"] * (MAX_LIST_ITEMS + 1), "risksFound")
    assert problem is not None and (problem.code, problem.field) == ("TOO_MANY", "risksFound")
    assert problem.render("en") == "at most 50 items"


def test_a_date_before_1900_is_too_early() -> None:
    assert check_not_future(date(1900, 1, 1), "startsOn", PINNED_NOW) is None
    early = check_not_future(date(1899, 12, 31), "startsOn", PINNED_NOW)
    assert early is not None and early.code == "TOO_EARLY"
    assert early.render("en") == "the date is before 1900-01-01"
    year_one = datetime(1, 1, 1, tzinfo=PINNED_NOW.tzinfo)
    moment = check_not_future(year_one, "visitedAt", PINNED_NOW)
    assert moment is not None and moment.code == "TOO_EARLY"
