"""The read audit a supervisor can use (issue 12): who was shown which child's file in full or
its full ID number, and when, listed for county civil affairs and administrators by child or
by user, within their area."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient

from app.seed.demo import DEMO_COUNTY, DEMO_VILLAGE
from tests import factories
from tests.conftest import PINNED_NOW
from tests.graphql import gid, query_data
from tests.world import World

AUDIT = """
query($child: ID, $user: ID, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
  auditEvents(childId: $child, userId: $user, from: $from, to: $to, first: $first,
              after: $after) {
    totalCount
    edges { node { actorLabel actorUserId operationName areaCode fullIdNumber occurredAt
                   child { id } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def audit(client: AsyncClient, token: str, **variables: Any) -> dict[str, Any]:
    """The auditEvents connection."""
    data: dict[str, Any] = (await query_data(client, token, AUDIT, **variables))["auditEvents"]
    return data


async def village_children(client: AsyncClient, world: World, count: int) -> list[str]:
    """The global ids of `count` children registered in the demo village by the township's
    supervisor (whose registration, showing the file, is the first read of each)."""
    township = await world.token("demo-township")
    return [(await factories.child(client, township, DEMO_VILLAGE))["id"] for _ in range(count)]


async def test_who_read_a_childs_file_and_id_number(
    fresh_client: AsyncClient, world: World
) -> None:
    opened, listed = await village_children(fresh_client, world, 2)
    village = await world.token("demo-village")
    await query_data(
        fresh_client, village, "query Open($id: ID!) { child(id: $id) { name idNumber } }",
        id=opened,
    )  # fmt: skip
    await query_data(
        fresh_client, village, "query Look($id: ID!) { child(id: $id) { name } }",
        id=listed,
    )  # fmt: skip
    reader = await world.scalar("SELECT id FROM users WHERE username = 'demo-village'")
    for supervisor in ("demo-county", "demo-admin"):
        token = await world.token(supervisor)
        registered_and_opened = await audit(fresh_client, token, child=opened)
        assert registered_and_opened["totalCount"] == 2, supervisor
        seen = await audit(fresh_client, token, child=opened, user=str(reader))
        assert seen["totalCount"] == 1, supervisor
        (event,) = [e["node"] for e in seen["edges"]]
        assert event["actorLabel"] == "user:demo-village"
        assert event["actorUserId"] == str(reader)
        assert (event["operationName"], event["areaCode"]) == ("Open", DEMO_VILLAGE)
        assert event["fullIdNumber"] is True
        # A county reads that the file was read, not the file.
        assert event["child"] is None
        by_user = await audit(fresh_client, token, user=str(reader))
        flags = {(e["node"]["operationName"], e["node"]["fullIdNumber"]) for e in by_user["edges"]}
        assert flags == {("Open", True), ("Look", False)}, supervisor
    # Nobody else reads the audit, the reader included.
    for username in ("demo-village", "demo-township", "demo-city", "demo-school", "demo-police"):
        token = await world.token(username)
        assert (await audit(fresh_client, token, child=opened))["totalCount"] == 0


async def test_the_audit_is_kept_within_the_supervisors_area(
    fresh_client: AsyncClient, world: World
) -> None:
    (child,) = await village_children(fresh_client, world, 1)
    # A child of another county: no demo user may register one, so it is the seed's.
    elsewhere = await world.scalar(
        "SELECT id FROM children WHERE area_code NOT LIKE :c || '%' AND area_code LIKE '42%' "
        "ORDER BY id LIMIT 1",
        c=DEMO_COUNTY,
    )
    area = await world.scalar("SELECT area_code FROM children WHERE id = :id", id=elsewhere)
    # A read in another county (by whoever holds a grant there), written as the service does.
    await world.execute(
        "WITH e AS (INSERT INTO audit_events (actor_label, action) VALUES ('user:x', 'read') "
        "RETURNING id, occurred_at) INSERT INTO audit_reads (id, event_id, occurred_at, "
        "actor_label, child_id, area_code, id_number) SELECT gen_random_uuid(), e.id, "
        "e.occurred_at, 'user:x', :child, :area, true FROM e",
        child=elsewhere,
        area=area,
    )
    county = await world.token("demo-county")
    admin = await world.token("demo-admin")
    assert (await audit(fresh_client, county, child=gid("Child", elsewhere)))["totalCount"] == 0
    assert (await audit(fresh_client, admin, child=gid("Child", elsewhere)))["totalCount"] == 1
    (registration,) = (await audit(fresh_client, county, child=child))["edges"]
    assert registration["node"]["actorLabel"] == "user:demo-township"


async def test_a_page_of_children_is_one_event_and_pages_of_reads(
    fresh_client: AsyncClient, world: World
) -> None:
    township = await world.token("demo-township")
    events = await world.scalar("SELECT count(*) FROM audit_events")
    listed = await query_data(
        fresh_client, township, "query Caseload { children(first: 30) { edges { node { id } } } }"
    )
    assert await world.scalar("SELECT count(*) FROM audit_events") == events + 1
    ids = [e["node"]["id"] for e in listed["children"]["edges"]]
    assert await world.scalar("SELECT count(*) FROM audit_reads") == len(ids) == 30
    reader = await world.scalar("SELECT id FROM users WHERE username = 'demo-township'")
    county = await world.token("demo-county")
    seen: list[str] = []
    after = None
    while True:
        page = await audit(fresh_client, county, user=str(reader), first=12, after=after)
        assert page["totalCount"] == 30
        seen += [e["node"]["operationName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Caseload"] * 30
    # A school's and an NGO's views are no full file: nothing is recorded.
    before = await world.scalar("SELECT count(*) FROM audit_reads")
    for username in ("demo-school", "demo-ngo"):
        await query_data(
            fresh_client, await world.token(username), "{ children(first: 50) { totalCount } }"
        )
    assert await world.scalar("SELECT count(*) FROM audit_reads") == before


async def test_times_narrow_the_audit_and_the_arguments_are_checked(
    fresh_client: AsyncClient, world: World
) -> None:
    (child,) = await village_children(fresh_client, world, 1)
    village = await world.token("demo-village")
    await query_data(fresh_client, village, "query($id: ID!) { child(id: $id) { name } }", id=child)
    county = await world.token("demo-county")
    hour = timedelta(hours=1)
    reader = await world.scalar("SELECT id FROM users WHERE username = 'demo-village'")
    around = {"child": child, "user": str(reader)}
    inside = await audit(
        fresh_client, county, **around, **{"from": (PINNED_NOW - hour).isoformat()}
    )
    assert inside["totalCount"] == 1
    before = await audit(fresh_client, county, **around, to=(PINNED_NOW - hour).isoformat())
    assert before["totalCount"] == 0
    for variables, code in (
        ({}, "REQUIRED"),
        ({"user": "not-a-uuid"}, "INVALID_ID"),
        ({**around, "to": "2026-11-23T10:00:00"}, "MISSING_TIMEZONE"),
        # Year 1 east of UTC falls before year 1 in UTC: refused, not a failure.
        ({**around, "from": "0001-01-01T00:00:00+08:00"}, "TOO_EARLY"),
    ):
        response = await fresh_client.post(
            "/graphql",
            json={"query": AUDIT, "variables": variables},
            headers={"Authorization": f"Bearer {county}"},
        )
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == code, (variables, body)
