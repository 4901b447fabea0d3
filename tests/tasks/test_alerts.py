"""The alerts of a child's file acted on once while they last, the village's own tasks, tasks
following a moved child, and the counts supervisors see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient

from app import clock
from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.documents import UPDATE_PARENT, mutation
from tests.graphql import gid, graphql_body, mutation_payload, query_data
from tests.world import World, key_of

UPDATE_CHILD = mutation("updateChild", "UpdateChildInput", "child { id version missingSince }")
CLOSE_UNFOUNDED = mutation("closeAsUnfounded", "CloseCaseInput", "case { id stage }")
MOVE = mutation("moveChild", "MoveChildInput", "child { id areaCode }")
TASKS = """
query { myTasks(first: 100) { edges { node { id kind childId areaCode status reason } } } }
"""
COUNTS = """
query($area: String!) { taskCounts(areaCode: $area) { areaCode kind open overdue } }
"""
AWAY = {"status": "WORKING_AWAY", "workPlace": "广东省东莞市", "awaySince": "2025-03-01"}


async def _tasks(
    client: AsyncClient, token: str, child_id: str, language: str | None = None
) -> list[dict[str, Any]]:
    data = await query_data(client, token, TASKS, language=language)
    return [e["node"] for e in data["myTasks"]["edges"] if e["node"]["childId"] == child_id]


async def _categories(world: World, child_id: str) -> list[str]:
    rows = await world.rows(
        "SELECT category FROM cases WHERE child_id = :c ORDER BY reported_at", c=key_of(child_id)
    )
    return [row.category for row in rows]


async def _save(client: AsyncClient, token: str, child: dict[str, Any], **fields: Any) -> None:
    saved = await mutation_payload(
        client, token, UPDATE_CHILD, id=child["id"], expectedVersion=child["version"], child=fields
    )
    assert saved["errors"] == [], saved
    child["version"] = saved["child"]["version"]


async def _left_behind(client: AsyncClient, token: str, **parent: Any) -> dict[str, Any]:
    """A child whose parents both work away, the father as `parent` says."""
    household = await factories.household(
        client, token, DEMO_VILLAGE,
        parents=[
            {"relation": "FATHER", "name": "张伟", **AWAY, **parent},
            {"relation": "MOTHER", "name": "李芳", **AWAY},
        ],
    )  # fmt: skip
    return await factories.child(
        client, token, DEMO_VILLAGE, household_id=household["id"],
        livingArrangement="WITH_GRANDPARENTS",
    )  # fmt: skip


async def test_a_closed_report_is_not_made_again_while_the_child_still_lives_alone(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE, livingArrangement="ALONE")
    case_id = await world.scalar("SELECT id FROM cases WHERE child_id = :c", c=key_of(child["id"]))
    version = await world.scalar("SELECT version FROM cases WHERE id = :id", id=case_id)
    closed = await mutation_payload(
        fresh_client, township, CLOSE_UNFOUNDED, caseId=gid("Case", case_id),
        expectedVersion=version, reason="核实后由邻居照料，暂不构成独居风险。",
    )  # fmt: skip
    assert closed["errors"] == [], closed
    await _save(fresh_client, village, child, name="张晓明")
    assert await _categories(world, child["id"]) == ["living_alone"]
    # Living with the grandparents ends the situation; alone again is a new one, reported.
    await _save(fresh_client, village, child, livingArrangement="WITH_GRANDPARENTS")
    await _save(fresh_client, village, child, livingArrangement="ALONE")
    assert await _categories(world, child["id"]) == ["living_alone", "living_alone"]


async def test_a_missing_child_is_reported_at_once_and_the_township_told(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    for _ in range(2):
        await _save(fresh_client, village, child, missingSince=yesterday)
    assert await _categories(world, child["id"]) == ["missing"]
    assert [t["kind"] for t in await _tasks(fresh_client, township, child["id"])] == [
        "RESPOND_TO_REPORT"
    ]
    future = (clock.today() + timedelta(days=1)).isoformat()
    refused = await mutation_payload(
        fresh_client, village, UPDATE_CHILD, id=child["id"], expectedVersion=child["version"],
        child={"missingSince": future},
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("FUTURE_DATE", "missingSince")]
    # Found: the field clears; the case goes on.
    await _save(fresh_client, village, child, missingSince=None)
    assert await _categories(world, child["id"]) == ["missing"]


async def test_a_left_behind_child_without_a_confirmed_guardian_gives_the_village_a_task(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await _left_behind(fresh_client, village)
    [task] = await _tasks(fresh_client, village, child["id"])
    assert (task["kind"], task["status"]) == ("CONFIRM_GUARDIAN", "OPEN")
    assert "委托监护" in task["reason"]
    [english] = await _tasks(fresh_client, village, child["id"], language="en")
    assert "confirmation" in english["reason"]
    await factories.guardianship(fresh_client, village, child["id"], confirmed=True)
    [done] = await _tasks(fresh_client, village, child["id"])
    assert (done["id"], done["status"]) == (task["id"], "DONE")


async def test_parents_who_never_call_give_the_village_a_task_until_they_do(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await _left_behind(fresh_client, village, contactFrequency="NEVER")
    await factories.guardianship(fresh_client, village, child["id"], confirmed=True)
    [task] = [t for t in await _tasks(fresh_client, village, child["id"]) if t["status"] == "OPEN"]
    assert task["kind"] == "CONTACT_PARENTS"
    father = await world.rows(
        "SELECT p.id, p.version FROM parents p JOIN children c ON c.household_id = p.household_id "
        "WHERE c.id = :c AND p.relation = 'father'",
        c=key_of(child["id"]),
    )
    updated = await mutation_payload(
        fresh_client, village, UPDATE_PARENT, id=gid("Parent", father[0].id),
        expectedVersion=father[0].version, parent={"contactFrequency": "WEEKLY"},
    )  # fmt: skip
    assert updated["errors"] == [], updated
    statuses = {t["kind"]: t["status"] for t in await _tasks(fresh_client, village, child["id"])}
    assert statuses["CONTACT_PARENTS"] == "DONE"


async def test_tasks_follow_a_moved_child_whoever_owes_them(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    # The township's report to respond to, the village's guardian to confirm.
    child = await _left_behind(fresh_client, village)
    await _save(fresh_client, village, child, livingArrangement="ALONE")
    assert await _tasks(fresh_client, township, child["id"]) != []
    moved = await mutation_payload(
        fresh_client, township, MOVE, id=child["id"],
        expectedVersion=child["version"], toAreaCode=DEMO_VILLAGE2,
    )  # fmt: skip
    assert moved["errors"] == [], moved
    areas = await world.rows(
        "SELECT DISTINCT area_code FROM tasks WHERE child_id = :c", c=key_of(child["id"])
    )
    assert [row.area_code for row in areas] == [DEMO_VILLAGE2]
    assert await _tasks(fresh_client, village, child["id"]) == []
    assert await _tasks(fresh_client, await world.token("demo-village2"), child["id"]) != []


async def test_supervisors_count_their_areas_open_tasks_by_kind(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    county = await world.token("demo-county")
    before = await query_data(fresh_client, township, COUNTS, area=DEMO_TOWNSHIP)
    await factories.child(fresh_client, village, DEMO_VILLAGE, livingArrangement="ALONE")
    await _left_behind(fresh_client, village)
    after = await query_data(fresh_client, township, COUNTS, area=DEMO_TOWNSHIP)

    def counts(data: dict[str, Any]) -> dict[tuple[str, str], int]:
        return {(r["areaCode"], r["kind"]): r["open"] for r in data["taskCounts"]}

    grown = {
        key: value - counts(before).get(key, 0)
        for key, value in counts(after).items()
        if value != counts(before).get(key, 0)
    }
    assert grown == {
        (DEMO_VILLAGE, "RESPOND_TO_REPORT"): 1, (DEMO_VILLAGE, "CONFIRM_GUARDIAN"): 1,
    }  # fmt: skip
    # The county counts the same tasks by township, although it owes none of them.
    by_township = await query_data(fresh_client, county, COUNTS, area=DEMO_COUNTY)
    rows = {(r["areaCode"], r["kind"]) for r in by_township["taskCounts"]}
    assert {(DEMO_TOWNSHIP, "RESPOND_TO_REPORT"), (DEMO_TOWNSHIP, "CONFIRM_GUARDIAN")} <= rows
    # A village director may not count; a township not another's area.
    for token, area in ((village, DEMO_VILLAGE), (township, "420702101")):
        body = await graphql_body(fresh_client, token, COUNTS, area=area)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body
