"""The daily job: deadline tasks open, escalate village → township → county, close themselves
when their situation ends; the job runs once a day, even with two server processes, and
catches up the days it missed."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import time_machine
from httpx import AsyncClient

from app import clock
from app.domain.task_deadlines import DeadlineRules
from app.enums import TaskKind
from app.seed.demo import DEMO_VILLAGE
from app.services.daily import DailyOutcome, run_daily_job, seconds_to_next_check
from tests import factories
from tests.command import shouhu
from tests.conftest import PINNED_NOW
from tests.documents import mutation
from tests.graphql import gid, mutation_payload, query_data
from tests.world import World, key_of

RULES = DeadlineRules()
ARCHIVE = mutation("archiveChild", "ArchiveChildInput", "child { id status }")
STEP = "mutation($input: %s!) { %s(input: $input) { case { id stage version } errors { code } } }"
REFER = """
mutation($input: ReferCaseInput!) {
  referCase(input: $input) { case { id version referrals { id version } } errors { code } }
}
"""
ACCEPT = """
mutation($input: AcceptReferralInput!) {
  acceptReferral(input: $input) { referral { id status } errors { code } }
}
"""
DISMISS = """
mutation($input: DismissTaskInput!) { dismissTask(input: $input) { errors { code } } }
"""
TASK = """
query($id: ID!) {
  node(id: $id) { ... on Task { id kind status escalationLevel assigneeRole priority dueOn } }
}
"""


@contextmanager
def days_later(days: float) -> Iterator[None]:
    """The clock (and the service's with it) `days` after the tests' pinned moment."""
    with time_machine.travel(PINNED_NOW + timedelta(days=days), tick=True):
        yield


async def _job(world: World) -> DailyOutcome:
    return await run_daily_job(world.engine, rules=RULES)


async def _tasks(world: World, subject: str, kind: str) -> list[Any]:
    """The tasks of a kind about a subject, as they opened: (level, status, role, user,
    closed by) first."""
    return await world.rows(
        "SELECT escalation_level, status, assignee_role, assignee_user_id, closed_by_id, id, "
        "due_on, priority FROM tasks WHERE subject_id = :s AND kind = :k "
        "ORDER BY created_at, escalation_level",
        s=subject,
        k=kind,
    )


async def _sees(client: AsyncClient, token: str, task_id: object) -> bool:
    node = (await query_data(client, token, TASK, id=gid("Task", task_id)))["node"]
    return node is not None


async def _step(client: AsyncClient, token: str, name: str, case: dict[str, Any]) -> Any:
    version = await _version(client, token, case["id"])
    fields = {"caseId": case["id"], "expectedVersion": version}
    input_type = name[0].upper() + name[1:] + "Input"
    if name in ("startEmergencyResponse", "recordReturnedToSchool"):
        input_type = "CaseStepInput"
    done = (await query_data(client, token, STEP % (input_type, name), input=fields))[name]
    assert done["errors"] == [], done
    return done["case"]


async def _version(client: AsyncClient, token: str, case_id: str) -> int:
    found = await query_data(
        client, token, "query($id: ID!) { node(id: $id) { ... on Case { version } } }", id=case_id
    )
    version: int = found["node"]["version"]
    return version


async def test_an_overdue_stage_escalates_from_its_assignee_to_the_township_then_the_county(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township, county = [
        await world.token(user) for user in ("demo-village", "demo-township", "demo-county")
    ]
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    case = await factories.case(fresh_client, village, child["id"])  # answered within a day
    supervisor = await world.scalar("SELECT id FROM users WHERE username = 'demo-township'")
    await world.execute(
        "UPDATE cases SET assignee_id = :u WHERE id = :c", u=supervisor, c=key_of(case["id"])
    )
    subject = key_of(case["id"])
    assert (await _job(world)).ran  # today: the report is not late yet
    assert await _tasks(world, subject, "case_overdue") == []

    with days_later(2):
        await _job(world)
    [assignee] = await _tasks(world, subject, "case_overdue")
    # The assignee's, as a person: level 0, due in the escalation days.
    assert tuple(assignee[:5]) == (0, "open", None, supervisor, None)
    assert assignee.due_on == PINNED_NOW.date() + timedelta(days=2 + RULES.escalation_days)
    assert assignee.priority == "high"
    assert await _sees(fresh_client, township, assignee.id)
    assert not await _sees(fresh_client, village, assignee.id)

    with days_later(6):  # past the assignee's due date: the township's turn
        await _job(world)
    levels = await _tasks(world, subject, "case_overdue")
    assert [(t.escalation_level, t.status, t.assignee_role) for t in levels] == [
        (0, "open", None), (1, "open", "township_supervisor"),
    ]  # fmt: skip
    assert not await _sees(fresh_client, county, levels[1].id)

    with days_later(10):  # the township let it pass too: the county's
        await _job(world)
        levels = await _tasks(world, subject, "case_overdue")
        assert [(t.escalation_level, t.assignee_role, t.priority) for t in levels] == [
            (0, None, "high"), (1, "township_supervisor", "high"),
            (2, "county_civil_affairs", "urgent"),
        ]  # fmt: skip
        # (Tokens of ten days ago have expired: the day's.)
        assert await _sees(fresh_client, await world.token("demo-county"), levels[2].id)
        # Partner systems were told of each level, the first as opened, the others escalated.
        events = await world.rows(
            "SELECT kind, payload -> 'task' ->> 'escalationLevel' AS level FROM outbox_events "
            "WHERE payload -> 'task' ->> 'id' = ANY(:ids) ORDER BY occurred_at",
            ids=[str(t.id) for t in levels],
        )
        assert [(e.kind, e.level) for e in events] == [
            ("task_opened", "0"), ("task_escalated", "1"), ("task_escalated", "2"),
        ]  # fmt: skip
        # The case moves on: its response starts, with a deadline of its own.
        await _step(
            fresh_client, await world.token("demo-township"), "startEmergencyResponse", case
        )
        # The stage that was late ended with the step: every level closed itself at once.
        closed = await _tasks(world, subject, "case_overdue")
        assert [(t.escalation_level, t.status, t.closed_by_id) for t in closed] == [
            (0, "done", None), (1, "done", None), (2, "done", None),
        ]  # fmt: skip

    with days_later(20):
        outcome = await _job(world)
    # The new stage (now late too) is a situation of its own, at its assignee's level again.
    later = await _tasks(world, subject, "case_overdue")
    assert [(t.escalation_level, t.status) for t in later[3:]] == [(0, "open")]
    assert outcome.closed[TaskKind.CASE_OVERDUE] == 0


async def test_an_overdue_visit_opens_the_villages_task_until_the_visit_is_made(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    await factories.visit(fresh_client, village, child["id"])
    subject = key_of(child["id"])
    # A quarter and a half later, no visit since: overdue by more than the week's grace.
    with days_later(110):
        await _job(world)
        due = await world.scalar("SELECT next_visit_due FROM children WHERE id = :c", c=subject)
        assert due < clock.today() - timedelta(days=RULES.visit_grace_days)
        [task] = await _tasks(world, subject, "visit_overdue")
        assert (task.escalation_level, task.status, task.assignee_role, task.priority) == (
            0, "open", "village_director", "normal",
        )  # fmt: skip
        village = await world.token("demo-village")  # the day's
        assert await _sees(fresh_client, village, task.id)
        assert not await _sees(fresh_client, await world.token("demo-village2"), task.id)
        # The visit ends the situation: the task closes with it, not at the next run.
        await factories.visit(fresh_client, village, child["id"])
    [closed] = await _tasks(world, subject, "visit_overdue")
    assert (closed.id, closed.status, closed.closed_by_id) == (task.id, "done", None)


async def test_a_referral_unanswered_for_three_days_opens_the_townships_task_until_accepted(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    case = await factories.case(fresh_client, village, child["id"])
    fields = {
        "caseId": case["id"],
        "expectedVersion": await _version(fresh_client, township, case["id"]),
        "organizationId": str(await world.org_of("demo-county")),
    }
    referred = (await query_data(fresh_client, township, REFER, input=fields))["referCase"]
    assert referred["errors"] == [], referred
    [referral] = referred["case"]["referrals"]
    subject = key_of(referral["id"])
    with days_later(3):  # three days exactly: still in time
        await _job(world)
    assert await _tasks(world, subject, "referral_unanswered") == []
    with days_later(4):
        await _job(world)
        [task] = await _tasks(world, subject, "referral_unanswered")
        # The case has no assignee: the township that referred it.
        assert (task.escalation_level, task.status, task.assignee_role) == (
            1, "open", "township_supervisor",
        )  # fmt: skip
        assert await _sees(fresh_client, await world.token("demo-township"), task.id)
        accepted = await mutation_payload(
            fresh_client, await world.token("demo-county"), ACCEPT, referralId=referral["id"],
            expectedVersion=referral["version"],
        )  # fmt: skip
        assert accepted["errors"] == [], accepted
    [closed] = await _tasks(world, subject, "referral_unanswered")
    assert (closed.status, closed.closed_by_id) == ("done", None)


async def test_a_dropout_not_returned_in_fifteen_days_is_the_villages_until_the_pupil_returns(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    case = await factories.case(fresh_client, village, child["id"], category="DROPOUT")
    assert case["stage"] == "PERSUASION"
    subject = key_of(case["id"])
    with days_later(15):
        await _job(world)
    assert await _tasks(world, subject, "dropout_not_returned") == []
    with days_later(16):
        await _job(world)
        [task] = await _tasks(world, subject, "dropout_not_returned")
        assert (task.escalation_level, task.status, task.assignee_role) == (
            0, "open", "village_director",
        )  # fmt: skip
        # The stage's own deadline passed too, but persuasion is this rule's alone.
        assert await _tasks(world, subject, "case_overdue") == []
        await _step(fresh_client, await world.token("demo-village"), "recordReturnedToSchool", case)
    [closed] = await _tasks(world, subject, "dropout_not_returned")
    assert (closed.status, closed.closed_by_id) == ("done", None)


async def test_a_task_dismissed_is_not_reopened_nor_escalated_for_the_same_stage(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    case = await factories.case(fresh_client, village, child["id"])
    subject = key_of(case["id"])
    with days_later(2):
        await _job(world)
        [task] = await _tasks(world, subject, "case_overdue")
        version = await world.scalar("SELECT version FROM tasks WHERE id = :t", t=task.id)
        dismissed = await mutation_payload(
            fresh_client, await world.token("demo-township"), DISMISS,
            taskId=gid("Task", task.id), expectedVersion=version, reason="已电话处置，另行跟进。",
        )  # fmt: skip
        assert dismissed["errors"] == [], dismissed
    for day in (3, 8):  # the same late stage, later, and past the dismissed task's due date
        with days_later(day):
            await _job(world)
    assert [
        (t.escalation_level, t.status) for t in await _tasks(world, subject, "case_overdue")
    ] == [(1, "dismissed")]


async def test_shouhu_daily_runs_the_job_once_a_day(world: World) -> None:
    first = shouhu(world.url, "daily")
    assert first.returncode == 0, first.stderr
    assert f"daily job of {clock.today()}:" in first.stderr
    assert "tasks opened: " in first.stderr and "case_overdue" in first.stderr
    again = shouhu(world.url, "daily")
    assert again.returncode == 0, again.stderr
    assert "already done or running elsewhere" in again.stderr
    assert await world.scalar("SELECT count(*) FROM daily_job_runs") == 1


def test_the_loop_checks_hourly_and_just_after_the_day_changes() -> None:
    zone = clock.zone()
    morning = PINNED_NOW.replace(hour=9, tzinfo=zone)
    assert seconds_to_next_check(morning, 3600) == 3600
    before_midnight = PINNED_NOW.replace(hour=23, minute=50, tzinfo=zone)
    assert seconds_to_next_check(before_midnight, 3600) == 10 * 60 + 1


async def _open_tasks(world: World) -> list[Any]:
    return await world.rows(
        "SELECT id, kind, subject_id, escalation_level, status, version FROM tasks ORDER BY id"
    )


async def test_the_job_runs_once_a_day_and_its_rules_open_nothing_twice(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    await factories.case(fresh_client, village, child["id"])
    with days_later(2):
        first = await _job(world)
        assert first.ran and first.opened
        tasks = await _open_tasks(world)
        assert any(t.kind == "case_overdue" for t in tasks)
        again = await _job(world)
        assert not again.ran
        assert await _open_tasks(world) == tasks
        # Even run again the same day (its record gone), the rules open and close nothing.
        await world.execute("DELETE FROM daily_job_runs")
        rerun = await _job(world)
        assert rerun.ran
        assert set(rerun.opened.values()) == {0} and set(rerun.closed.values()) == {0}
        assert set(rerun.escalated.values()) == {0}
        assert await _open_tasks(world) == tasks


async def test_the_job_catches_up_the_days_it_missed_with_one_run_as_of_today(
    world: World,
) -> None:
    assert (await _job(world)).caught_up == []  # the first run ever: nothing to catch up
    with days_later(4):
        outcome = await _job(world)
    start = PINNED_NOW.date()
    assert outcome.caught_up == [start + timedelta(days=n) for n in (1, 2, 3)]
    rows = await world.rows("SELECT day, run_on FROM daily_job_runs ORDER BY day")
    assert [(r.day, r.run_on) for r in rows] == [(start, start)] + [
        (start + timedelta(days=n), start + timedelta(days=4)) for n in (1, 2, 3, 4)
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_two_server_processes_run_the_days_job_once(world: World, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": world.url,
        "SHOUHU_NOW": clock.now().isoformat(),
        "SHOUHU_DAILY_JOB": "true",
    }
    ports = [_free_port(), _free_port()]
    logs = [(tmp_path / f"serve-{port}.log").open("w") for port in ports]
    command = (sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port")
    servers = [
        await asyncio.create_subprocess_exec(
            *command, str(port), env=env, stdout=log, stderr=subprocess.STDOUT
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    today: date = clock.today()
    try:
        deadline = time.monotonic() + 120
        up: set[int] = set()
        done = 0
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline and (len(up) < len(ports) or not done):
                for port in set(ports) - up:
                    try:
                        if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                            up.add(port)
                    except httpx.TransportError:
                        pass
                done = await world.scalar(
                    "SELECT count(*) FROM daily_job_runs WHERE day = :d", d=today
                )
                assert all(server.returncode is None for server in servers), [
                    (tmp_path / f"serve-{port}.log").read_text() for port in ports
                ]
                await asyncio.sleep(0.5)
        assert up == set(ports) and done == 1
        # Both processes are up and have checked the day: one record of it, and each
        # situation has its one task.
        assert await world.scalar("SELECT count(*) FROM daily_job_runs") == 1
        duplicated = await world.scalar(
            "SELECT count(*) FROM (SELECT 1 FROM tasks GROUP BY kind, subject_id, "
            "escalation_level HAVING count(*) > 1) twice"
        )
        assert duplicated == 0
        assert await world.scalar("SELECT count(*) FROM tasks WHERE kind = 'case_overdue'") > 0
    finally:
        for server in servers:
            if server.returncode is None:
                server.terminate()
        for server in servers:
            try:
                await asyncio.wait_for(server.wait(), timeout=20)
            except TimeoutError:
                server.kill()
                await server.wait()
        for log in logs:
            log.close()


async def test_the_daily_run_closes_what_ended_without_a_visit_step_or_answer(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    await factories.visit(fresh_client, village, child["id"])
    subject = key_of(child["id"])
    with days_later(110):
        await _job(world)
        [task] = await _tasks(world, subject, "visit_overdue")
        version = await world.scalar("SELECT version FROM children WHERE id = :c", c=subject)
        archived = await mutation_payload(
            fresh_client, await world.token("demo-village"), ARCHIVE, id=child["id"],
            expectedVersion=version, reason="PARENTS_RETURNED",
        )  # fmt: skip
        assert archived["errors"] == [], archived
        # Archiving is no visit: the task stays open until the day's run finds it ended.
        assert [t.status for t in await _tasks(world, subject, "visit_overdue")] == ["open"]
    with days_later(111):
        outcome = await _job(world)
    [closed] = await _tasks(world, subject, "visit_overdue")
    assert (closed.id, closed.status, closed.closed_by_id) == (task.id, "done", None)
    assert outcome.closed[TaskKind.VISIT_OVERDUE] >= 1
