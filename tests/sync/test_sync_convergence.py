"""Convergence: whatever writes interleave with a device's pulls, its replica ends up equal to
the server's view of its scope, moves of children in and out of the village included."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.database import create_engine
from app.seed.demo import DEMO_VILLAGE, DEMO_VILLAGE2
from tests.conftest import access_token, create_database, drop_database, service_client
from tests.graphql import gid, query_data

KINDS = {
    "households": "Household",
    "parents": "Parent",
    "children": "Child",
    "guardianships": "Guardianship",
    "visits": "Visit",
    "cases": "Case",
}
CHILD_ROWS = ("guardianships", "visits", "cases")
PULL = (
    "query($since: String) { syncPull(since: $since, first: 200) { "
    + " ".join(
        f"{kind} {{ id{' childId' if kind in CHILD_ROWS else ''} }}" for kind in KINDS
    ).replace("parents { id }", "parents { id householdId }")
    + " removals { typeName id } cursor hasMore } }"
)
VISIT = """mutation($input: RecordVisitInput!) { recordVisit(input: $input) { errors { code } } }"""
MOVE = """mutation($input: MoveChildInput!) { moveChild(input: $input) { errors { code } } }"""

actions = st.lists(
    st.one_of(
        st.tuples(st.just("visit"), st.integers(0, 9)),
        st.tuples(st.just("move_out"), st.integers(0, 9)),
        st.tuples(st.just("move_in"), st.integers(0, 9)),
        st.tuples(st.just("delete_visit"), st.integers(0, 9)),
        st.tuples(st.just("pull"), st.just(0)),
    ),
    min_size=1,
    max_size=12,
)


class Replica:
    """What a device holds: ids per type."""

    def __init__(self) -> None:
        self.rows: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self.child_of: dict[str, str] = {}
        self.household_of: dict[str, str] = {}
        self.cursor: str | None = None

    def apply(self, page: dict[str, Any]) -> None:
        for kind in KINDS:
            for row in page[kind]:
                self.rows[kind].add(row["id"])
                if "childId" in row:
                    self.child_of[row["id"]] = row["childId"]
                if "householdId" in row:
                    self.household_of[row["id"]] = row["householdId"]
        for removal in page["removals"]:
            kind = next(k for k, t in KINDS.items() if t == removal["typeName"])
            self.rows[kind].discard(removal["id"])
            if kind == "households":  # and a household's parents with the household
                self.rows["parents"] = {
                    r for r in self.rows["parents"] if self.household_of.get(r) != removal["id"]
                }
            if kind == "children":  # the app drops a child's records with the child
                for child_kind in CHILD_ROWS:
                    self.rows[child_kind] = {
                        r for r in self.rows[child_kind] if self.child_of.get(r) != removal["id"]
                    }
        self.cursor = page["cursor"]


async def _pull(client: AsyncClient, token: str, replica: Replica) -> None:
    while True:
        page = (await query_data(client, token, PULL, since=replica.cursor))["syncPull"]
        replica.apply(page)
        if not page["hasMore"]:
            return


async def _move(client: AsyncClient, engine: AsyncEngine, token: str, child: Any, to: str) -> None:
    async with engine.connect() as conn:
        version = await conn.scalar(
            text("SELECT version FROM children WHERE id = :c"), {"c": child}
        )
        # A household of the village moved to: the child may have siblings who stay.
        household = await conn.scalar(
            text("SELECT id FROM households WHERE area_code = :v ORDER BY id LIMIT 1"), {"v": to}
        )
    move = {"id": gid("Child", child), "expectedVersion": version, "toAreaCode": to,
            "toHouseholdId": gid("Household", household)}  # fmt: skip
    await query_data(client, token, MOVE, input=move)


async def _visit(client: AsyncClient, token: str, child: Any) -> None:
    visit = {
        "childId": gid("Child", child),
        "visitedAt": datetime.now(UTC).isoformat(),
        "kind": "ROUTINE",
        **dict.fromkeys(("livingConditions", "guardianship", "schooling", "health"), "GOOD"),
        "mentalState": "GOOD",
    }
    await query_data(client, token, VISIT, input=visit)


DELETE_A_VISIT = text(
    "UPDATE visits SET deleted_at = now() WHERE id = (SELECT id FROM visits "
    "WHERE area_code = :v AND deleted_at IS NULL ORDER BY id OFFSET :n LIMIT 1)"
)


async def _run(
    client: AsyncClient, engine: AsyncEngine, url: str, steps: list[tuple[str, int]]
) -> Replica:
    async with engine.connect() as conn:
        villages = {
            v: list(
                await conn.scalars(
                    text("SELECT id FROM children WHERE area_code = :v ORDER BY id LIMIT 10"),
                    {"v": v},
                )
            )
            for v in (DEMO_VILLAGE, DEMO_VILLAGE2)
        }
    village = await access_token(url, "demo-village")
    township = await access_token(url, "demo-township")
    replica = Replica()
    for action, n in steps:
        if action == "pull":
            await _pull(client, village, replica)
        elif action == "visit":
            await _visit(client, village, villages[DEMO_VILLAGE][n])
        elif action == "move_out":
            await _move(client, engine, township, villages[DEMO_VILLAGE][n], DEMO_VILLAGE2)
        elif action == "move_in":
            await _move(client, engine, township, villages[DEMO_VILLAGE2][n], DEMO_VILLAGE)
        else:
            async with engine.begin() as conn:
                await conn.execute(DELETE_A_VISIT, {"v": DEMO_VILLAGE, "n": n})
    await _pull(client, village, replica)
    return replica


async def _scenario(server_url: str, template: str, steps: list[tuple[str, int]]) -> None:
    url = await create_database(server_url, template=template)
    engine = create_engine(url, pool_size=2)
    try:
        replica = Replica()
        async for client in service_client(url):
            replica = await _run(client, engine, url, steps)
        async with engine.connect() as conn:
            for kind, type_name in KINDS.items():
                live = await conn.scalars(
                    text(
                        f"SELECT id::text FROM {kind} WHERE area_code = :v AND deleted_at IS NULL"
                    ),
                    {"v": DEMO_VILLAGE},
                )
                expected = {gid(type_name, key) for key in live}
                held = replica.rows[kind]
                assert held == expected, (kind, steps)
    finally:
        await engine.dispose()
        await drop_database(server_url, url)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=actions)
def test_a_device_converges_to_its_scope(
    server_url: str, template_db: str, steps: list[tuple[str, int]]
) -> None:
    asyncio.run(_scenario(server_url, template_db, steps))
