"""The training rule of the daily job (seed 002 二(二)): a village director or township
supervisor in post never trained, or whose yearly refresher falls due within the notice days,
gives their trainer (the county its directors, the city its supervisors) a STAFF_TRAINING
task, which closes itself once the training is no longer owed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest_asyncio
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.staff import REFRESHER_NOTICE_DAYS, refresher_due, training_owed
from app.domain.task_deadlines import (
    TRAINED_BY,
    DeadlineRules,
    training_due_on,
    training_priority,
)
from app.enums import Role, TaskKind, TaskPriority, TrainingResult
from app.models import StaffTraining
from app.seed.demo import DEMO_TOWNSHIP, DEMO_VILLAGE
from app.services.daily import (
    DailyOutcome,
    close_training_task,
    close_trainings_given,
    open_training_tasks,
    run_daily_job,
)
from tests.conftest import EngineFactory
from tests.graphql import gid, query_data
from tests.tasks.test_daily import days_later
from tests.world import World

RULES = DeadlineRules()
TASK = """
query($id: ID!) {
  node(id: $id) {
    ... on Task { id kind subjectType subjectId childId assigneeRole priority dueOn reason }
  }
}
"""
MY_TRAINING_TASKS = """
{
  myTasks(kind: STAFF_TRAINING, status: OPEN, first: 5) {
    edges { node { id subjectId childId } }
  }
}
"""
NEVER_TRAINED = (
    "the person has no passed training on record and may not write until one is recorded: "
    "train them and record the training"
)
REFRESHER = (
    "the person's yearly refresher training falls due: train them again and record the training"
)


@pytest_asyncio.fixture(loop_scope="session")
async def world(fresh_db: str, engine_for: EngineFactory) -> World:
    """The test's own database with the demo's trainings (app/seed/demo.py) forgotten: each
    test records those it needs."""
    untrained = World(fresh_db, engine_for)
    await untrained.execute("DELETE FROM staff_trainings")
    return untrained


async def _job(world: World) -> DailyOutcome:
    return await run_daily_job(world.engine, rules=RULES)


async def _user(world: World, username: str) -> uuid.UUID:
    found: uuid.UUID = await world.scalar("SELECT id FROM users WHERE username = :u", u=username)
    return found


async def _trained(
    world: World, user: uuid.UUID, on: date, result: TrainingResult = TrainingResult.PASSED
) -> None:
    await world.execute(
        "INSERT INTO staff_trainings (id, user_id, trained_on, course, result) "
        "VALUES (gen_random_uuid(), :u, :on, '儿童主任岗前培训', :r)",
        u=user,
        on=on,
        r=result.value,
    )


async def _tasks(world: World, user: uuid.UUID) -> list[Any]:
    return await world.rows(
        "SELECT id, status, area_code, subject_type, child_id, assignee_role, due_on, priority, "
        "reason, escalation_level, closed_by_id FROM tasks "
        "WHERE subject_id = :s AND kind = 'staff_training' ORDER BY created_at",
        s=user,
    )


async def _opened_and_closed(world: World) -> tuple[int, int]:
    """Close, then open (a run's order), the training tasks as of now: (opened, closed)."""
    now = clock.now()
    async with world.engine.begin() as conn:
        closed = await close_trainings_given(conn, now)
    async with world.engine.begin() as conn:
        opened = await open_training_tasks(conn, now)
    return opened, closed


def test_the_county_trains_its_directors_and_the_city_its_supervisors() -> None:
    assert TRAINED_BY == {
        Role.VILLAGE_DIRECTOR: Role.COUNTY_CIVIL_AFFAIRS,
        Role.TOWNSHIP_SUPERVISOR: Role.CITY,
    }
    today = date(2026, 11, 23)
    assert training_due_on(Role.VILLAGE_DIRECTOR, None, today) == today
    assert training_due_on(Role.TOWNSHIP_SUPERVISOR, date(2026, 1, 5), today) == date(2027, 1, 5)
    assert training_due_on(Role.COUNTY_CIVIL_AFFAIRS, None, today) is None
    assert training_priority(None) is TaskPriority.HIGH
    assert training_priority(today) is TaskPriority.NORMAL


async def test_a_director_never_trained_gives_the_county_a_task_until_a_training_is_passed(
    fresh_client: AsyncClient, world: World
) -> None:
    director = await _user(world, "demo-village")
    outcome = await _job(world)
    assert outcome.opened[TaskKind.STAFF_TRAINING] >= 2  # the demo's directors, untrained
    today = clock.today()
    [task] = await _tasks(world, director)
    assert (task.status, task.area_code, task.subject_type, task.child_id) == (
        "open", DEMO_VILLAGE, "staff", None,
    )  # fmt: skip
    assert (task.assignee_role, task.due_on, task.priority, task.escalation_level) == (
        "county_civil_affairs", today, "high", 0,
    )  # fmt: skip
    assert task.reason == NEVER_TRAINED
    # The county reads it (a task without a child, in its area, owed by its role), the subject
    # being the register's person; the director does not, nor the city.
    found = await query_data(
        fresh_client, await world.token("demo-county"), TASK, id=gid("Task", task.id)
    )
    assert found["node"] == {
        "id": gid("Task", task.id),
        "kind": "STAFF_TRAINING",
        "subjectType": "STAFF",
        "subjectId": gid("Staff", director),
        "childId": None,
        "assigneeRole": "COUNTY_CIVIL_AFFAIRS",
        "priority": "HIGH",
        "dueOn": today.isoformat(),
        "reason": "此人尚无培训考核合格记录，登记合格前不能录入和修改，请组织培训并登记培训结果",
    }
    # Listed too (the compiled read path maps the subject the same way), the director's the
    # only one left open of the county's many (the others completed by the county).
    await world.execute(
        "UPDATE tasks SET status = 'done', closed_at = now(), closed_by_id = :c "
        "WHERE kind = 'staff_training' AND subject_id <> :s",
        c=await _user(world, "demo-county"),
        s=director,
    )
    listed = await query_data(fresh_client, await world.token("demo-county"), MY_TRAINING_TASKS)
    subjects = {edge["node"]["id"]: edge["node"] for edge in listed["myTasks"]["edges"]}
    assert subjects[gid("Task", task.id)] == {
        "id": gid("Task", task.id), "subjectId": gid("Staff", director), "childId": None,
    }  # fmt: skip
    for other in ("demo-village", "demo-city"):
        token = await world.token(other)
        seen = await query_data(fresh_client, token, TASK, id=gid("Task", task.id))
        assert seen["node"] is None, other

    # A failed training changes nothing; a passed one ends it at the next run.
    await _trained(world, director, today, TrainingResult.FAILED)
    with days_later(1):
        outcome = await _job(world)
        assert [t.status for t in await _tasks(world, director)] == ["open"]
        await _trained(world, director, clock.today())
    with days_later(2):
        outcome = await _job(world)
    [closed] = await _tasks(world, director)
    assert (closed.id, closed.status, closed.closed_by_id) == (task.id, "done", None)
    assert outcome.closed[TaskKind.STAFF_TRAINING] == 1
    assert outcome.opened[TaskKind.STAFF_TRAINING] == 0


async def test_a_supervisor_never_trained_gives_the_city_a_task(
    fresh_client: AsyncClient, world: World
) -> None:
    supervisor = await _user(world, "demo-township")
    await _job(world)
    [task] = await _tasks(world, supervisor)
    assert (task.area_code, task.assignee_role) == (DEMO_TOWNSHIP, "city")
    city = await query_data(
        fresh_client, await world.token("demo-city"), TASK, id=gid("Task", task.id)
    )
    assert city["node"]["assigneeRole"] == "CITY"
    county = await query_data(
        fresh_client, await world.token("demo-county"), TASK, id=gid("Task", task.id)
    )
    assert county["node"] is None


async def test_the_refresher_opens_a_task_a_month_before_the_anniversary(world: World) -> None:
    today = clock.today()
    director = await _user(world, "demo-village")
    recent = await _user(world, "demo-village2")
    await _trained(world, director, today - timedelta(days=350))  # about 11.5 months ago
    await _trained(world, recent, today - timedelta(days=30))  # last month
    await _job(world)
    [task] = await _tasks(world, director)
    anniversary = refresher_due(Role.VILLAGE_DIRECTOR, today - timedelta(days=350))
    assert anniversary is not None and (anniversary - today).days <= REFRESHER_NOTICE_DAYS
    assert (task.status, task.due_on, task.priority, task.assignee_role, task.reason) == (
        "open", anniversary, "normal", "county_civil_affairs", REFRESHER,
    )  # fmt: skip
    assert not training_owed(Role.VILLAGE_DIRECTOR, today - timedelta(days=30), today)
    assert await _tasks(world, recent) == []
    # Trained again: the refresher task closes at the next run.
    await _trained(world, director, today)
    assert await _opened_and_closed(world) == (0, 1)
    assert [t.status for t in await _tasks(world, director)] == ["done"]


async def test_the_refresher_of_29_february_is_due_on_1_march_as_the_rule_says(
    world: World,
) -> None:
    director = await _user(world, "demo-village")
    await _trained(world, director, date(2024, 2, 29))
    await _opened_and_closed(world)
    [task] = await _tasks(world, director)
    assert task.due_on == date(2025, 3, 1)
    assert task.due_on == training_due_on(Role.VILLAGE_DIRECTOR, date(2024, 2, 29), clock.today())


async def test_a_person_deactivated_or_gone_has_their_task_closed(world: World) -> None:
    director, other = await _user(world, "demo-village"), await _user(world, "demo-village2")
    await _opened_and_closed(world)
    assert [t.status for t in await _tasks(world, director)] == ["open"]
    assert [t.status for t in await _tasks(world, other)] == ["open"]
    await world.execute("UPDATE users SET is_active = false WHERE id = :u", u=director)
    await world.execute("UPDATE users SET left_on = :d WHERE id = :u", d=clock.today(), u=other)
    _, closed = await _opened_and_closed(world)
    assert closed == 2
    for user in (director, other):
        assert [(t.status, t.closed_by_id) for t in await _tasks(world, user)] == [("done", None)]
    # Back at work (closed by itself, not by a person): owed again, a new task.
    await world.execute("UPDATE users SET is_active = true WHERE id = :u", u=director)
    await _opened_and_closed(world)
    assert [t.status for t in await _tasks(world, director)] == ["done", "open"]


async def test_re_runs_open_no_second_task_and_a_dismissed_one_stays_dismissed(
    world: World,
) -> None:
    director = await _user(world, "demo-village")
    first = await _job(world)
    tasks = await world.scalar("SELECT count(*) FROM tasks WHERE kind = 'staff_training'")
    assert tasks == first.opened[TaskKind.STAFF_TRAINING] > 0
    await world.execute("DELETE FROM daily_job_runs")  # the same day, run again
    again = await _job(world)
    assert (again.opened[TaskKind.STAFF_TRAINING], again.closed[TaskKind.STAFF_TRAINING]) == (0, 0)
    assert await world.scalar("SELECT count(*) FROM tasks WHERE kind = 'staff_training'") == tasks
    # The county dismisses one (the director is away for the year): not reopened while the
    # same training is owed.
    county = await _user(world, "demo-county")
    await world.execute(
        "UPDATE tasks SET status = 'dismissed', closed_by_id = :c, closed_at = now() "
        "WHERE subject_id = :s AND kind = 'staff_training'",
        c=county,
        s=director,
    )
    with days_later(1):
        await _job(world)
    assert [t.status for t in await _tasks(world, director)] == ["dismissed"]


async def test_recording_a_training_closes_the_task_in_its_own_transaction(
    world: World,
) -> None:
    director = await _user(world, "demo-village")
    await _opened_and_closed(world)
    async with AsyncSession(world.engine, expire_on_commit=False) as session:
        session.add(
            StaffTraining(
                user_id=director, trained_on=clock.today(), course="岗前培训",
                result=TrainingResult.FAILED,
            )
        )  # fmt: skip
        assert not await close_training_task(session, director, clock.now())
        session.add(
            StaffTraining(
                user_id=director, trained_on=clock.today(), course="岗前培训补考",
                result=TrainingResult.PASSED,
            )
        )  # fmt: skip
        assert await close_training_task(session, director, clock.now())
        await session.commit()
    assert [(t.status, t.closed_by_id) for t in await _tasks(world, director)] == [("done", None)]
