"""Property: the SQL predicate compiled from a scope selects exactly the rows Casbin allows."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql

from authz.enforcer import build_enforcer
from authz.predicates import area_in
from authz.scope import Principal, compile_scope

AREAS = [
    "42", "4207", "420702", "420703", "420702100", "420702101", "420703100",
    "420702100201", "420702100202", "420702101201", "420703100201", "11", "1101", "110101",
]  # fmt: skip
PATTERNS = ["*", *(f"{a}*" for a in AREAS), *AREAS, "4*", "4207021*"]
ROLES = ["r1", "r2", "r3"]
OBJECTS = ["child_file", "case"]
ACTIONS = ["read", "write"]
USERS = ["user:a", "user:b"]

DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]

rows_table = Table(
    "rows", MetaData(), Column("id", Integer), Column("area_code", String(12)), prefixes=["TEMP"]
)

policies = st.lists(
    st.tuples(
        st.sampled_from(ROLES),
        st.sampled_from(PATTERNS),
        st.sampled_from(OBJECTS),
        st.sampled_from(ACTIONS),
    ),
    max_size=8,
    unique=True,
)
grants = st.lists(
    st.tuples(st.sampled_from(USERS), st.sampled_from(ROLES), st.sampled_from(PATTERNS)),
    max_size=5,
    unique=True,
)


@pytest.fixture(scope="module")
def connection(server_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(server_url.replace("postgresql+asyncpg", "postgresql")) as conn:
        conn.execute(
            "CREATE TEMP TABLE rows (id integer primary key, area_code varchar(12) not null)"
        )
        conn.cursor().executemany(
            "INSERT INTO rows VALUES (%s, %s)", list(enumerate([*AREAS, "420702100299", "43"]))
        )
        yield conn


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(policy=policies, grant_rules=grants)
def test_compiled_predicate_equals_enforce(
    connection: psycopg.Connection,
    policy: list[tuple[str, str, str, str]],
    grant_rules: list[tuple[str, str, str]],
) -> None:
    rules = [("p", *rule) for rule in policy] + [("g", *rule) for rule in grant_rules]
    enforcer = build_enforcer(rules)
    all_rows = connection.execute("SELECT id, area_code FROM rows").fetchall()
    for user in USERS:
        principal = Principal(
            label=user,
            role=None,
            area_code=None,
            grants=tuple((role, dom) for u, role, dom in grant_rules if u == user),
        )
        scope = compile_scope(principal, enforcer)
        for obj in OBJECTS:
            for act in ACTIONS:
                query = select(rows_table.c.id).where(
                    area_in(rows_table.c.area_code, scope.patterns(obj, act))
                )
                sql = str(query.compile(dialect=DIALECT, compile_kwargs={"literal_binds": True}))
                selected = {row[0] for row in connection.execute(sql)}
                allowed = {
                    row_id for row_id, area in all_rows if enforcer.enforce(user, area, obj, act)
                }
                assert selected == allowed, (user, obj, act, sql)
                assert all(
                    scope.allows(obj, act, area) == (row_id in allowed) for row_id, area in all_rows
                )
