"""A field the caller cannot see cannot be filtered, sorted or counted on (issue 12, finding 1).

Generated: for every role (each demo user, a school's and an NGO's API key), every argument
of the lists of children that narrows or orders them, and every value of it, the answer must
not depend on a field the role's view hides: the argument is refused (FORBIDDEN_FILTER,
naming it), or the list and its count are the same as without it. What a role may not see is
found from the answers themselves (a field it gets as null), not from authz/fields.py, so the
test checks the rule rather than restating it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
)
from httpx import AsyncClient

from app.database import create_engine, session_factory
from app.seed.demo import DEMO_TOWNSHIP, DEMO_USERS, DEMO_VILLAGE
from app.services.statistics.refresh import StatisticsSession
from schema import schema
from tests.conftest import access_token, create_database, drop_database, service_client
from tests.graphql import graphql_body
from tests.world import api_key_of

# Each argument that narrows a list of children → the output field it reads. A new filter
# or sort argument fails test_every_narrowing_argument_is_generated until it is added here.
FILTER_READS = {
    "areaCode": "areaCode",
    "category": "categories",
    "keyChild": "isKeyChild",
    "livingAlone": "livingArrangement",
    "withoutConfirmedGuardian": "hasConfirmedGuardian",
    "visitOverdue": "nextVisitDue",
    "name": "name",
    "minAge": "age",
    "maxAge": "age",
    # A search's other kinds of key follow authz/fields.child_search_rule (tests/children).
    "search": "name",
}
DUE_VISITS_READS = {"withinDays": "nextVisitDue"}
# Arguments of lists of children that only page.
PAGING = {"first", "after"}
# Values to try for string filters (others: every value of their type).
STRING_VALUES = {
    "areaCode": [DEMO_VILLAGE, DEMO_TOWNSHIP],
    "name": ["王", "李"],
    "search": ["王", "wang"],
}
INT_VALUES = [3, 10, 15]
OUTPUT_FIELDS = sorted(set(FILTER_READS.values()) | set(DUE_VISITS_READS.values()))
CHILD_OUTPUT = " ".join(OUTPUT_FIELDS)
SAMPLE = (
    f"{{ children(first: 100) {{ edges {{ node {{ {CHILD_OUTPUT} }} }} }} "
    f"cases(first: 100) {{ edges {{ node {{ child {{ {CHILD_OUTPUT} }} }} }} }} "
    f"studentFollowUps(first: 100) {{ edges {{ node {{ student {{ {CHILD_OUTPUT} }} }} }} }} }}"
)
CHILDREN = (
    "query($f: ChildFilter) { children(filter: $f, first: 100) { totalCount "
    "edges { node { id } } } }"
)
DUE = (
    "query($d: Int!) { dueVisits(withinDays: $d, first: 100) { totalCount edges { node { id } } } }"
)
ROLES = [user.username for user in DEMO_USERS] + ["key:school", "key:ngo"]


@dataclass
class Callers:
    client: AsyncClient
    headers: dict[str, dict[str, str]]  # role → its credential


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def callers(server_url: str, template_db: str) -> AsyncIterator[Callers]:
    url = await create_database(server_url, template=template_db)
    engine = create_engine(url, pool_size=1)
    headers: dict[str, dict[str, str]] = {}
    async with session_factory(engine, StatisticsSession)() as session, session.begin():
        for role, username in (("key:school", "demo-school"), ("key:ngo", "demo-ngo")):
            _, key = await api_key_of(session, username, "hidden fields test")
            headers[role] = {"X-API-Key": key}
    await engine.dispose()
    for user in DEMO_USERS:
        token = await access_token(url, user.username)
        headers[user.username] = {"Authorization": f"Bearer {token}"}
    async for client in service_client(url):
        yield Callers(client, headers)
    await drop_database(server_url, url)


async def run(callers: Callers, role: str, query: str, **variables: Any) -> dict[str, Any]:
    """The body of the answer to a document asked with the role's credential."""
    return await graphql_body(
        callers.client, None, query, headers=callers.headers[role], **variables
    )


def _children_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    found = [e["node"] for e in data["children"]["edges"]]
    found += [e["node"]["child"] for e in data["cases"]["edges"] if e["node"]["child"]]
    found += [e["node"]["student"] for e in data["studentFollowUps"]["edges"]]
    return found


async def hidden_outputs(callers: Callers, role: str) -> set[str]:
    """The output fields the role gets as null on some child it sees; every field when it
    sees none (nothing then says what it may see)."""
    body = await run(callers, role, SAMPLE)
    assert "errors" not in body, body
    seen = _children_of(body["data"])
    if not seen:
        return set(OUTPUT_FIELDS)
    return {name for name in OUTPUT_FIELDS if any(child[name] is None for child in seen)}


def _values(arg_type: Any, name: str) -> list[Any]:
    while isinstance(arg_type, GraphQLNonNull):
        arg_type = arg_type.of_type
    if isinstance(arg_type, GraphQLEnumType):
        return list(arg_type.values)
    assert isinstance(arg_type, GraphQLScalarType), name
    if arg_type.name == "Boolean":
        return [True, False]
    if arg_type.name == "Int":
        return INT_VALUES
    return STRING_VALUES[name]


def _answer(body: dict[str, Any], field: str) -> tuple[int, list[str]] | None:
    """The list's count and ids, or None when it was refused for a hidden field."""
    if "errors" in body:
        return None
    data = body["data"][field]
    return data["totalCount"], [e["node"]["id"] for e in data["edges"]]


def _refused_for(body: dict[str, Any], argument: str) -> bool:
    errors = body.get("errors") or []
    return any(
        e.get("extensions", {}).get("code") == "FORBIDDEN_FILTER"
        and argument in e["extensions"].get("fields", [])
        for e in errors
    )


def test_every_narrowing_argument_is_generated() -> None:
    sdl = build_schema(schema.as_str())
    child_filter = sdl.type_map["ChildFilter"]
    assert isinstance(child_filter, GraphQLInputObjectType)
    assert set(child_filter.fields) == set(FILTER_READS)
    # Every field that lists children takes only paging, the filter, or withinDays.
    for type_ in sdl.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if str(field.type).startswith("ChildConnection"):
                extra = set(field.args) - PAGING - {"filter"} - set(DUE_VISITS_READS)
                assert not extra, (type_.name, name, extra)


async def test_the_full_view_shows_every_field_filtered_on(callers: Callers) -> None:
    # The detection of hidden fields relies on the full view having none of them null.
    assert await hidden_outputs(callers, "demo-village") == set()
    assert await hidden_outputs(callers, "demo-township") == set()


@pytest.mark.parametrize("role", ROLES)
async def test_no_filter_reads_a_hidden_field(callers: Callers, role: str) -> None:
    hidden = await hidden_outputs(callers, role)
    sdl = build_schema(schema.as_str())
    child_filter = sdl.type_map["ChildFilter"]
    assert isinstance(child_filter, GraphQLInputObjectType)
    unfiltered = await run(callers, role, CHILDREN, f=None)
    baseline = _answer(unfiltered, "children")
    assert baseline is not None, unfiltered
    for argument, output in FILTER_READS.items():
        for value in _values(child_filter.fields[argument].type, argument):
            body = await run(callers, role, CHILDREN, f={argument: value})
            answer = _answer(body, "children")
            if output in hidden:
                assert _refused_for(body, f"filter.{argument}") or answer == baseline, (
                    role, argument, value, body,
                )  # fmt: skip
            else:
                # A field the role sees may be filtered on.
                assert answer is not None, (role, argument, value, body)


@pytest.mark.parametrize("role", ROLES)
async def test_due_visits_do_not_read_a_hidden_date(callers: Callers, role: str) -> None:
    hidden = await hidden_outputs(callers, role)
    answers = []
    for days in (0, 7, 30, 366):
        body = await run(callers, role, DUE, d=days)
        answer = _answer(body, "dueVisits")
        if answer is None:
            assert _refused_for(body, "withinDays"), (role, body)
        answers.append(answer)
    if "nextVisitDue" in hidden:
        # Refused, or one and the same list whatever the window.
        assert all(a is None for a in answers) or len(set(map(repr, answers))) == 1, role
    else:
        assert None not in answers, role


async def test_a_school_and_an_ngo_get_the_filters_of_what_they_see(callers: Callers) -> None:
    """The generated tests above, said plainly for the two views of the finding."""
    school = await run(callers, "key:school", CHILDREN, f={"keyChild": True, "name": "王"})
    assert _refused_for(school, "filter.keyChild")
    assert "filter.name" not in school["errors"][0]["extensions"]["fields"]
    assert school["data"] is None
    ngo_refused = await run(callers, "key:ngo", CHILDREN, f={"withoutConfirmedGuardian": True})
    assert _refused_for(ngo_refused, "filter.withoutConfirmedGuardian")
    ngo_allowed = await run(callers, "key:ngo", CHILDREN, f={"category": "LEFT_BEHIND"})
    assert "errors" not in ngo_allowed
    assert _refused_for(await run(callers, "demo-school", DUE, d=30), "withinDays")
    assert "errors" not in await run(callers, "demo-ngo", DUE, d=30)


async def test_schools_and_ngos_get_no_household_id(callers: Callers) -> None:
    query = "{ children(first: 100) { edges { node { householdId } } } }"
    for role in ("key:school", "key:ngo", "demo-school", "demo-ngo"):
        body = await run(callers, role, query)
        edges = body["data"]["children"]["edges"]
        assert edges and all(e["node"]["householdId"] is None for e in edges), role
    village = await run(callers, "demo-village", query)
    assert all(e["node"]["householdId"] for e in village["data"]["children"]["edges"])


async def test_the_refusal_is_said_in_the_callers_language(callers: Callers) -> None:
    for language, expected in (("en", "you may not narrow"), ("zh", "您不能按")):
        response = await callers.client.post(
            "/graphql",
            json={"query": CHILDREN, "variables": {"f": {"keyChild": True}}},
            headers={**callers.headers["key:school"], "Accept-Language": language},
        )
        assert expected in response.json()["errors"][0]["message"], language
