"""Tasks the rules open and close as files are saved, and what their holders do with them."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.seed.demo import DEMO_VILLAGE
from tests import factories
from tests.documents import ASSESS, END, mutation
from tests.graphql import gid, mutation_payload, query_data
from tests.world import World, key_of

UPDATE_CHILD = mutation("updateChild", "UpdateChildInput", "child { id version }")
TASK = "task { id kind status closedAt closedBySelf dismissReason version }"
COMPLETE = mutation("completeTask", "CompleteTaskInput", f"{TASK} current {{ id status }}")
DISMISS = mutation("dismissTask", "DismissTaskInput", f"{TASK} current {{ id status }}")
MY_TASKS = """
query($status: TaskStatus, $kind: TaskKind) {
  myTasks(status: $status, kind: $kind, first: 50) {
    totalCount
    edges { node { id kind subjectType subjectId childId areaCode dueOn priority status
                   assigneeRole closedBySelf version } }
  }
}
"""


async def _tasks(client: AsyncClient, token: str, **filters: Any) -> list[dict[str, Any]]:
    data = await query_data(client, token, MY_TASKS, **filters)
    return [edge["node"] for edge in data["myTasks"]["edges"]]


async def _about(client: AsyncClient, token: str, child_id: str) -> list[dict[str, Any]]:
    return [t for t in await _tasks(client, token) if t["childId"] == child_id]


async def _cases(world: World, child_id: str) -> list[Any]:
    return await world.rows(
        "SELECT category, source, reported_to_police FROM cases WHERE child_id = :c",
        c=key_of(child_id),
    )


async def test_a_child_of_ten_living_alone_is_reported_once_however_often_saved(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE, livingArrangement="ALONE")
    version = child["version"]
    for name in ("张小明", "张晓明", "张晓明"):
        saved = await mutation_payload(
            fresh_client, village, UPDATE_CHILD, id=child["id"], expectedVersion=version,
            child={"name": name},
        )  # fmt: skip
        assert saved["errors"] == [], saved
        version = saved["child"]["version"]
    cases = await _cases(world, child["id"])
    assert [tuple(c) for c in cases] == [("living_alone", "village", True)]
    tasks = await _about(fresh_client, township, child["id"])
    assert len(tasks) == 1
    task = tasks[0]
    assert (task["kind"], task["subjectType"], task["assigneeRole"], task["priority"]) == (
        "RESPOND_TO_REPORT", "CASE", "TOWNSHIP_SUPERVISOR", "URGENT",
    )  # fmt: skip
    assert task["areaCode"] == DEMO_VILLAGE and task["status"] == "OPEN" and task["dueOn"]
    # The township's task is not the village's, and another village sees nothing of it.
    assert await _about(fresh_client, village, child["id"]) == []
    assert await _about(fresh_client, await world.token("demo-village2"), child["id"]) == []
    # A capable guardian confirmed: the danger is over, and the township's task with it.
    await factories.guardianship(fresh_client, village, child["id"], confirmed=True)
    [closed] = await _about(fresh_client, township, child["id"])
    assert (closed["id"], closed["status"], closed["closedBySelf"]) == (task["id"], "DONE", True)
    assert len(await _cases(world, child["id"])) == 1


async def test_a_child_in_no_danger_opens_nothing(fresh_client: AsyncClient, world: World) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    assert await _cases(world, child["id"]) == []
    assert (
        await world.scalar("SELECT count(*) FROM tasks WHERE child_id = :c", c=key_of(child["id"]))
        == 0
    )


async def test_an_incapable_guardian_opens_a_report_and_a_guardian_to_find_until_one_is_confirmed(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    first = await factories.guardianship(fresh_client, village, child["id"])
    for _ in range(2):  # assessed twice: still one task
        assessed = await mutation_payload(
            fresh_client, village, ASSESS, id=first["id"], expectedVersion=first["version"],
            capacity="INCAPABLE",
        )  # fmt: skip
        assert assessed["errors"] == [], assessed
        first = assessed["guardianship"]
    [finding] = await _about(fresh_client, village, child["id"])
    assert (finding["kind"], finding["subjectType"], finding["assigneeRole"]) == (
        "FIND_GUARDIAN", "GUARDIANSHIP", "VILLAGE_DIRECTOR",
    )  # fmt: skip
    assert finding["subjectId"] == first["id"]
    assert [tuple(c) for c in await _cases(world, child["id"])] == [
        ("guardian_incapable", "village", True)
    ]
    assert [t["kind"] for t in await _about(fresh_client, township, child["id"])] == [
        "RESPOND_TO_REPORT"
    ]
    # A new guardian, assessed capable and confirmed: the task closes itself.
    await factories.guardianship(fresh_client, village, child["id"], confirmed=True)
    [closed] = await _about(fresh_client, village, child["id"])
    assert (closed["id"], closed["status"], closed["closedBySelf"]) == (
        finding["id"], "DONE", True,
    )  # fmt: skip
    still_open = await _tasks(fresh_client, village, status="OPEN", kind="FIND_GUARDIAN")
    assert finding["id"] not in {t["id"] for t in still_open}
    done = await _tasks(fresh_client, village, status="DONE", kind="FIND_GUARDIAN")
    assert finding["id"] in {t["id"] for t in done}


async def test_a_guardianship_ended_with_no_successor_opens_a_guardian_to_find_once(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    made = await factories.guardianship(fresh_client, village, child["id"], confirmed=True)
    assert await _about(fresh_client, village, child["id"]) == []
    ended = await mutation_payload(
        fresh_client, village, END, id=made["id"], expectedVersion=made["version"]
    )
    assert ended["errors"] == [], ended
    [task] = await _about(fresh_client, village, child["id"])
    assert task["kind"] == "FIND_GUARDIAN" and task["subjectId"] == made["id"]
    # Dismissed: saving the file again does not open it anew (the same situation).
    dismissed = await mutation_payload(
        fresh_client, village, DISMISS, taskId=task["id"], expectedVersion=task["version"],
        reason="父母已返乡照料。",
    )  # fmt: skip
    assert dismissed["errors"] == [], dismissed
    assert dismissed["task"]["status"] == "DISMISSED"
    assert dismissed["task"]["dismissReason"] == "父母已返乡照料。"
    saved = await mutation_payload(
        fresh_client, village, UPDATE_CHILD, id=child["id"], expectedVersion=child["version"],
        child={"name": "张晓明"},
    )  # fmt: skip
    assert saved["errors"] == [], saved
    assert [t["status"] for t in await _about(fresh_client, village, child["id"])] == ["DISMISSED"]


async def test_tasks_are_completed_and_dismissed_by_their_holders_only(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE, livingArrangement="ALONE")
    [task] = await _about(fresh_client, township, child["id"])
    for username in ("demo-village", "demo-village2", "demo-police", "demo-school"):
        token = await world.token(username)
        refused = await mutation_payload(
            fresh_client, token, COMPLETE, taskId=task["id"], expectedVersion=task["version"]
        )
        assert refused["task"] is None, username
        assert [e["code"] for e in refused["errors"]] in (["NOT_FOUND"], ["FORBIDDEN"]), refused
        refused = await mutation_payload(
            fresh_client, token, DISMISS, taskId=task["id"], expectedVersion=task["version"],
            reason="不需要",
        )  # fmt: skip
        assert refused["task"] is None, username
    blank = await mutation_payload(
        fresh_client, township, DISMISS, taskId=task["id"], expectedVersion=task["version"],
        reason=" ",
    )  # fmt: skip
    assert [e["code"] for e in blank["errors"]] == ["REQUIRED"]
    done = await mutation_payload(
        fresh_client, township, COMPLETE, taskId=task["id"], expectedVersion=task["version"]
    )
    assert done["errors"] == [], done
    assert done["task"]["status"] == "DONE" and done["task"]["closedBySelf"] is False
    again = await mutation_payload(
        fresh_client, township, COMPLETE, taskId=task["id"], expectedVersion=done["task"]["version"]
    )
    assert [e["code"] for e in again["errors"]] == ["TASK_CLOSED"]
    assert again["current"]["status"] == "DONE"
    still_open = await _tasks(fresh_client, township, status="OPEN", kind="RESPOND_TO_REPORT")
    assert task["id"] not in {t["id"] for t in still_open}


CLOSE_UNFOUNDED = mutation("closeAsUnfounded", "CloseCaseInput", "case { id stage }")


async def test_the_townships_task_ends_when_its_case_closes(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE, livingArrangement="ALONE")
    [task] = await _about(fresh_client, township, child["id"])
    case_id = await world.scalar("SELECT id FROM cases WHERE child_id = :c", c=key_of(child["id"]))
    version = await world.scalar("SELECT version FROM cases WHERE id = :id", id=case_id)
    closed = await mutation_payload(
        fresh_client, township, CLOSE_UNFOUNDED, caseId=gid("Case", case_id),
        expectedVersion=version, reason="孩子随祖母居住，档案登记有误。",
    )  # fmt: skip
    assert closed["errors"] == [], closed
    [ended] = await _about(fresh_client, township, child["id"])
    assert (ended["id"], ended["status"], ended["closedBySelf"]) == (task["id"], "DONE", True)
