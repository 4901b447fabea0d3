"""Fuzzing the live schema: for every demo role (and anonymous callers), generated queries and
mutations, valid and invalid (hypothesis-graphql), never get a 5xx, an answer that is not
GraphQL JSON, an error without a code, or a masked "Unexpected error.".

Each role writes to a database of its own. The run is derandomized (the same documents every
time) and its size fixed: EXAMPLES documents per role, under two minutes in all on two cores.
"""

from __future__ import annotations

import json
import string
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import graphql
import hypothesis_graphql as hg
import pytest
import pytest_asyncio
from httpx import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from sqlalchemy import text

from app.database import create_engine
from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE
from schema import schema
from tests.conftest import access_token, service_client
from tests.graphql import gid, graphql_response

ROLES = (
    None,  # anonymous
    "demo-village",
    "demo-township",
    "demo-county",
    "demo-centre",
    "demo-city",
    "demo-police",
    "demo-school",
    "demo-ngo",
    "demo-admin",
)
EXAMPLES = 300

# Rows whose ids the documents use, so that some reach past "not found" into the writes.
_ID_TABLES = {
    "Child": "children",
    "Household": "households",
    "Parent": "parents",
    "Visit": "visits",
    "Case": "cases",
    "Guardianship": "guardianships",
    "NgoContract": "ngo_contracts",
}
_SHANGHAI = timezone(timedelta(hours=8))


def _string(value: object) -> graphql.StringValueNode:
    return nodes.String(str(value))


def _ids(known: list[str]) -> st.SearchStrategy[graphql.ValueNode]:
    """Real ids (global ones, and organizations' UUIDs), new UUIDs (a create's client id),
    well-formed global ids of nothing, and ids that are not ids at all."""
    type_names = st.sampled_from([*_ID_TABLES, "Area", "Nope", ""])
    keys = st.one_of(st.uuids().map(str), st.text(max_size=12))
    made_up = st.builds(gid, type_names, keys)
    # Mostly real ids: a made-up one stops a document before it reaches the writes.
    real = st.sampled_from(known)
    fresh = st.uuids().map(str)
    return st.one_of(real, real, real, real, fresh, made_up, st.text(max_size=20)).map(_string)


def _strings() -> st.SearchStrategy[graphql.ValueNode]:
    """Any text, and the demo's area codes (an area code of nothing stops at NOT_FOUND)."""
    areas = st.sampled_from([DEMO_VILLAGE, DEMO_TOWNSHIP, DEMO_COUNTY, DEMO_COUNTY[:4], "42"])
    return st.one_of(st.text(), areas).map(_string)


def _dates() -> st.SearchStrategy[graphql.ValueNode]:
    near = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
    extreme = st.sampled_from([date.min, date(1899, 12, 31), date.max])
    garbage = st.sampled_from(["", "2026-02-30", "0000-01-01", "2026-1-1", "not a date"])
    near_text = near.map(date.isoformat)
    return st.one_of(near_text, near_text, near_text, extreme.map(date.isoformat), garbage).map(
        _string
    )


def _datetimes() -> st.SearchStrategy[graphql.ValueNode]:
    zones = st.sampled_from([UTC, _SHANGHAI, timezone(timedelta(hours=-12))])
    near = st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2030, 12, 31), timezones=zones
    )
    extreme = st.sampled_from(
        [
            datetime.min.replace(tzinfo=_SHANGHAI),
            datetime.max.replace(tzinfo=timezone(timedelta(hours=-12))),
            datetime(2026, 11, 1, 9, 0),  # no time zone
        ]
    )
    garbage = st.sampled_from(["", "2026-11-01", "2026-11-01T25:00:00+08:00", "now"])
    near_text = near.map(datetime.isoformat)
    return st.one_of(near_text, near_text, near_text, extreme.map(datetime.isoformat), garbage).map(
        _string
    )


def _json() -> st.SearchStrategy[graphql.ValueNode]:
    scalars = st.one_of(
        st.text(max_size=10).map(_string), st.integers(-(2**31), 2**31 - 1).map(nodes.Int)
    )
    names = st.text(string.ascii_letters, min_size=1, max_size=8)
    fields = st.lists(
        st.builds(
            lambda name, value: graphql.ObjectFieldNode(
                name=graphql.NameNode(value=name), value=value
            ),
            names,
            scalars,
        ),
        max_size=3,
        unique_by=lambda field: field.name.value,
    )
    return st.one_of(scalars, fields.map(nodes.Object))


def _documents(known_ids: list[str]) -> st.SearchStrategy[str]:
    """Valid and invalid documents, each about one root field: every query and mutation is
    as likely (hypothesis-graphql's subsets of the root fields favour a few)."""
    custom = {
        "ID": _ids(known_ids),
        "String": _strings(),
        "Date": _dates(),
        "DateTime": _datetimes(),
        "JSON": _json(),
    }
    graphql_schema = schema._schema
    roots = (
        (hg.queries, graphql_schema.query_type),
        (hg.mutations, graphql_schema.mutation_type),
    )
    return st.one_of(
        *(
            make(graphql_schema, fields=[name], custom_scalars=custom, mode=mode)
            for make, root in roots
            if root is not None
            for name, root_field in root.fields.items()
            # A field without arguments has nothing to get wrong.
            for mode in (hg.Mode if root_field.args else [hg.Mode.POSITIVE])
        )
    )


def _masked_or_untyped(body: object) -> Iterator[str]:
    """What in a response says a request failed inside rather than being refused."""
    if not isinstance(body, dict) or not ({"data", "errors"} & set(body)):
        yield "not a GraphQL response"
        return
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not code:
            yield f"an error without a code: {error}"
        if code == "INTERNAL_SERVER_ERROR" or error.get("message") == "Unexpected error.":
            yield f"a masked error: {error}"
    # syncPush answers its operations' errors as data.
    stack: list[object] = [body.get("data")]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if value.get("code") == "INTERNAL_SERVER_ERROR":
                yield f"a masked error in the data: {value}"
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


class Fuzzed:
    """The service on a database of its own, as one caller."""

    def __init__(self, client: AsyncClient, token: str | None, known_ids: list[str]) -> None:
        self.client = client
        self.token = token
        self.documents = _documents(known_ids)

    async def check(self, document: str) -> None:
        """Send the document: it must be answered in JSON, with every error typed."""
        response = await graphql_response(self.client, self.token, document)
        assert response.status_code < 500, (document, response.text)
        try:
            body: Any = json.loads(response.content)
        except ValueError:
            pytest.fail(f"not JSON: {document!r} → {response.text[:500]!r}")
        problems = list(_masked_or_untyped(body))
        if problems:
            pytest.fail(f"{document}\n→ {problems}")


async def _known_ids(url: str) -> list[str]:
    """Ids of rows in the demo county, the demo village's first."""
    engine = create_engine(url, pool_size=1)
    known: list[str] = []
    try:
        async with engine.connect() as conn:
            for type_name, table in _ID_TABLES.items():
                rows = await conn.scalars(
                    text(
                        f"SELECT id FROM {table} WHERE area_code LIKE :county || '%' "
                        "ORDER BY area_code LIKE :village || '%' DESC, id LIMIT 6"
                    ),
                    {"county": DEMO_COUNTY, "village": DEMO_VILLAGE},
                )
                known += [gid(type_name, key) for key in rows]
            organizations = await conn.scalars(
                text("SELECT id FROM organizations ORDER BY id LIMIT 10")
            )
            known += [str(key) for key in organizations]
            known += [gid("Area", code) for code in (DEMO_COUNTY, DEMO_VILLAGE)]
    finally:
        await engine.dispose()
    return known


@pytest_asyncio.fixture(loop_scope="session")
async def fuzzed(fresh_db: str, request: pytest.FixtureRequest) -> AsyncIterator[Fuzzed]:
    """The role's client on a fresh database (mutations write), without a rate limit."""
    username: str | None = request.param
    token = await access_token(fresh_db, username) if username else None
    known = await _known_ids(fresh_db)
    async for client in service_client(fresh_db, rate_limit_per_minute=0):
        yield Fuzzed(client, token, known)


@pytest.mark.parametrize("fuzzed", ROLES, indirect=True, ids=lambda role: role or "anonymous")
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_generated_documents_are_answered_or_refused_never_failed(
    fuzzed: Fuzzed, data: st.DataObject
) -> None:
    await fuzzed.check(data.draw(fuzzed.documents, label="document"))
