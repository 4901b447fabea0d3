"""The daily job: re-derivation, the deadline rules, escalation and self-closing, once a day.

`run_daily_job` runs once across processes: it takes a PostgreSQL advisory lock (a process
that cannot take it leaves the day to the one that holds it) and then looks for the day in
`daily_job_runs` (a process that takes the lock after the day's run finds it done). It runs
on an owner connection, which row-level security does not bound: the job reads every area,
as `shouhu derive` and the statistics refresh do.

Catching up after downtime is one run as of today, recording the missed days as covered by
it. The deadline rules are about "now" (what is overdue today), so replaying each missed day
in turn would only open tasks that the next replay escalates at once: a level given no days
to act. Re-derivation and the quarter's statistics are of today too. One run as of today
opens what is overdue now, and each level then has its full days before escalating.

Every step is set-based SQL over all files (INSERT ... SELECT ... ON CONFLICT DO NOTHING and
UPDATE ... WHERE NOT EXISTS), so it scales with the tables, not with a loop over children;
each step is idempotent, so a run that stopped half-way is simply run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app import clock
from app.database import create_engine
from app.domain import task_deadlines as rules_of
from app.domain.staff import REFRESHER_NOTICE_DAYS, TRAINED_ROLES
from app.domain.task_deadlines import DEADLINE_KINDS, TRAINED_BY, DeadlineRules
from app.enums import OutboxEventKind, TaskKind, TaskStatus, TaskSubject
from app.i18n import N_
from app.progress import Reporter, SilentReporter
from app.services import outbox
from app.services.derivation import refresh_all_children
from app.services.statistics.refresh import refresh_statistics
from app.settings import Settings, get_settings

log = logging.getLogger(__name__)

# The advisory lock of the daily job (any fixed 64-bit key no other lock of the service uses).
DAILY_JOB_LOCK = 0x53484F5548550001

# Why a deadline task is owed: catalogue templates, shown in the reader's language; an
# escalated task says the same, its `escalation_level` saying who owes it now.
_REASONS: dict[TaskKind, str] = {
    TaskKind.VISIT_OVERDUE: N_(
        "the child's visit is overdue past its grace days: visit the home soon"
    ),
    TaskKind.CASE_OVERDUE: N_(
        "the case has stayed in its stage past the stage's time limit: move it on"
    ),
    TaskKind.REFERRAL_UNANSWERED: N_(
        "the body the case was referred to has neither accepted nor declined it in time: "
        "follow the referral up"
    ),
    TaskKind.DROPOUT_NOT_RETURNED: N_(
        "the pupil has not returned to school at the end of the persuasion period: keep "
        "persuading and report in writing"
    ),
}

# The columns every deadline task is inserted with, in this order.
_COLUMNS = (
    "id, area_code, kind, subject_type, subject_id, child_id, reason, due_on, priority, "
    "status, assignee_role, assignee_user_id, escalation_level, created_at, updated_at"
)
_ON_CONFLICT = "ON CONFLICT (kind, subject_id, escalation_level) WHERE status = 'open' DO NOTHING"

# The bound values as typed columns (in a sub-select PostgreSQL would take them for text).
_DUE = "CAST(:due_on AS date)"
_LEVEL = "CAST(:level AS smallint)"
_NOW = "CAST(:now AS timestamptz)"
_NOT_ASSIGNED = "s.assignee_id IS NULL"
# A case's or a referral's: its assignee (a person) if it has one, else the township's role.
_OWED_BY_CASE = f"""
    CASE WHEN {_NOT_ASSIGNED} THEN :unassigned_priority ELSE :priority END, 'open',
    CASE WHEN {_NOT_ASSIGNED} THEN :unassigned_role END, s.assignee_id,
    CASE WHEN {_NOT_ASSIGNED} THEN CAST(:unassigned_level AS smallint) ELSE {_LEVEL} END
"""
# A role's: the village's.
_OWED_BY_ROLE = f":priority, 'open', :role, NULL::uuid, {_LEVEL}"

# What opens each kind: its subjects in the situation, none of which opened a task of the
# kind since the situation began (a task done or dismissed is not reopened for the same
# overdue visit, stage or referral). Each SELECT gives the columns after `id`.
_SITUATIONS: dict[TaskKind, str] = {
    TaskKind.VISIT_OVERDUE: f"""
        SELECT c.area_code, :kind, :subject_type, c.id, c.id, :reason, {_DUE},
               {_OWED_BY_ROLE}, {_NOW}, {_NOW}
        FROM children c
        WHERE c.status = 'active' AND c.deleted_at IS NULL AND c.next_visit_due < :before
          AND NOT EXISTS (
              SELECT 1 FROM tasks t
              WHERE t.subject_id = c.id AND t.kind = :kind
                AND t.created_at >= c.next_visit_due::timestamptz)
    """,
    TaskKind.CASE_OVERDUE: f"""
        SELECT s.area_code, :kind, :subject_type, s.id, s.child_id, :reason, {_DUE},
               {_OWED_BY_CASE}, {_NOW}, {_NOW}
        FROM cases s
        WHERE s.closed_at IS NULL AND s.deleted_at IS NULL AND s.stage <> 'closed'
          AND s.stage <> ALL (:exempt_stages) AND s.due_at < :now
          AND NOT EXISTS (
              SELECT 1 FROM tasks t
              WHERE t.subject_id = s.id AND t.kind = :kind
                AND t.created_at >= s.stage_entered_at)
    """,
    TaskKind.REFERRAL_UNANSWERED: f"""
        SELECT r.area_code, :kind, :subject_type, r.id, s.child_id, :reason, {_DUE},
               {_OWED_BY_CASE}, {_NOW}, {_NOW}
        FROM case_referrals r JOIN cases s ON s.id = r.case_id
        WHERE r.status = 'sent' AND r.deleted_at IS NULL AND r.referred_at < :before
          AND s.closed_at IS NULL AND s.deleted_at IS NULL
          AND NOT EXISTS (
              SELECT 1 FROM tasks t WHERE t.subject_id = r.id AND t.kind = :kind)
    """,
    TaskKind.DROPOUT_NOT_RETURNED: f"""
        SELECT s.area_code, :kind, :subject_type, s.id, s.child_id, :reason, {_DUE},
               {_OWED_BY_ROLE}, {_NOW}, {_NOW}
        FROM cases s
        WHERE s.category = 'dropout' AND s.stage = 'persuasion'
          AND s.closed_at IS NULL AND s.deleted_at IS NULL AND s.stage_entered_at < :before
          AND s.dropout_follow_up IS DISTINCT FROM 'returned'
          AND NOT EXISTS (
              SELECT 1 FROM tasks t
              WHERE t.subject_id = s.id AND t.kind = :kind
                AND t.created_at >= s.stage_entered_at)
    """,
}

# When each kind's situation still holds for an open task `t` (every level alike); the task
# closes itself when it does not. A case's stage, a dropout's persuasion, a visit's due date:
# a task is about the one that was overdue when it opened.
_STILL_HOLDS: dict[TaskKind, str] = {
    TaskKind.VISIT_OVERDUE: """
        SELECT 1 FROM children c
        WHERE c.id = t.subject_id AND c.status = 'active' AND c.deleted_at IS NULL
          AND c.next_visit_due < :before
    """,
    TaskKind.CASE_OVERDUE: """
        SELECT 1 FROM cases s
        WHERE s.id = t.subject_id AND s.closed_at IS NULL AND s.deleted_at IS NULL
          AND s.stage <> 'closed' AND s.stage <> ALL (:exempt_stages) AND s.due_at < :now
          AND s.stage_entered_at <= t.created_at
    """,
    TaskKind.REFERRAL_UNANSWERED: """
        SELECT 1 FROM case_referrals r JOIN cases s ON s.id = r.case_id
        WHERE r.id = t.subject_id AND r.status = 'sent' AND r.deleted_at IS NULL
          AND s.closed_at IS NULL AND s.deleted_at IS NULL
    """,
    TaskKind.DROPOUT_NOT_RETURNED: """
        SELECT 1 FROM cases s
        WHERE s.id = t.subject_id AND s.category = 'dropout' AND s.stage = 'persuasion'
          AND s.closed_at IS NULL AND s.deleted_at IS NULL
          AND s.dropout_follow_up IS DISTINCT FROM 'returned'
          AND s.stage_entered_at <= t.created_at
    """,
}

_SUBJECTS: dict[TaskKind, TaskSubject] = {
    TaskKind.VISIT_OVERDUE: TaskSubject.CHILD,
    TaskKind.CASE_OVERDUE: TaskSubject.CASE,
    TaskKind.REFERRAL_UNANSWERED: TaskSubject.REFERRAL,
    TaskKind.DROPOUT_NOT_RETURNED: TaskSubject.CASE,
}


# Why a director or supervisor is owed a training (seed 002 二(二): trained and assessed before
# starting work, and at least once a year after).
_NEVER_TRAINED = N_(
    "the person has no passed training on record and may not write until one is recorded: "
    "train them and record the training"
)
_REFRESHER = N_(
    "the person's yearly refresher training falls due: train them again and record the training"
)
_PASSED = "'passed'"
_TRAINERS = " ".join(f"WHEN '{role.value}' THEN '{by.value}'" for role, by in TRAINED_BY.items())
# The people owed a training today (app/domain/staff.py `training_owed`): directors and
# supervisors in post (active, not deleted, not left) never trained, or whose refresher (a
# year after the latest passed training; 1 March for 29 February, as `refresher_due`) falls
# due within the notice days or has passed; with their trainer's role and the task's due day
# (`training_due_on`: today for one never trained).
_OWED_TRAINING = f"""
    SELECT u.id, u.area_code, latest.trained_on, CASE u.role {_TRAINERS} END AS trainer,
           coalesce((latest.trained_on + interval '1 year')::date
                    + CASE WHEN to_char(latest.trained_on, 'MM-DD') = '02-29' THEN 1 ELSE 0 END,
                    CAST(:today AS date)) AS due_on
    FROM users u
    CROSS JOIN LATERAL (
        SELECT max(s.trained_on) AS trained_on FROM staff_trainings s
        WHERE s.user_id = u.id AND s.result = {_PASSED}) latest
    WHERE u.role = ANY(:trained_roles) AND u.is_active AND u.deleted_at IS NULL
      AND u.left_on IS NULL AND u.area_code IS NOT NULL
"""
_OWED_TRAINING_WHEN = "o.due_on <= CAST(:notice_until AS date)"
# A person owed a training with no task for it yet: one a person completed or dismissed since
# the latest passed training (the same training owed) is not reopened; one that closed itself
# (the person left and came back) is.
_TRAINING_SITUATIONS = f"""
    SELECT o.area_code, :kind, :subject_type, o.id, NULL::uuid,
           CASE WHEN o.trained_on IS NULL THEN :never_reason ELSE :refresher_reason END,
           o.due_on,
           CASE WHEN o.trained_on IS NULL THEN :never_priority ELSE :refresher_priority END,
           'open', o.trainer, NULL::uuid, {_LEVEL}, {_NOW}, {_NOW}
    FROM ({_OWED_TRAINING}) o
    WHERE {_OWED_TRAINING_WHEN}
      AND NOT EXISTS (
          SELECT 1 FROM tasks t
          WHERE t.subject_id = o.id AND t.kind = :kind AND t.closed_by_id IS NOT NULL
            AND (o.trained_on IS NULL OR t.created_at >= o.trained_on::timestamptz))
"""
# An open training task `t` is still owed: its person still owed a training, in the same area
# and by the same trainer (a person who moved has the task of the new area instead).
_TRAINING_STILL_OWED = f"""
    SELECT 1 FROM ({_OWED_TRAINING}) o
    WHERE o.id = t.subject_id AND {_OWED_TRAINING_WHEN}
      AND o.area_code = t.area_code AND o.trainer = t.assignee_role
"""


def _training_parameters(now: datetime) -> dict[str, Any]:
    """The parameters the people owed a training are found with."""
    today = clock.local_day(now)
    return {
        "kind": TaskKind.STAFF_TRAINING.value,
        "now": now,
        "today": today,
        "notice_until": today + timedelta(days=REFRESHER_NOTICE_DAYS),
        "trained_roles": sorted(role.value for role in TRAINED_ROLES),
    }


@dataclass
class DailyOutcome:
    """What one call of the daily job did."""

    # The local day it was called for.
    day: date
    # False: another process holds the job, or the day was already done.
    ran: bool
    # Earlier days it covered, missed while no process ran it.
    caught_up: list[date] = field(default_factory=list)
    rederived: int = 0
    opened: dict[TaskKind, int] = field(default_factory=dict)
    escalated: dict[TaskKind, int] = field(default_factory=dict)
    closed: dict[TaskKind, int] = field(default_factory=dict)

    def line(self) -> str:
        """One line for an operator."""
        if not self.ran:
            return f"daily job of {self.day}: already done or running elsewhere"

        def counts(by_kind: dict[TaskKind, int]) -> str:
            return ", ".join(f"{kind.value} {n}" for kind, n in by_kind.items() if n) or "none"

        caught = f"; caught up {len(self.caught_up)} missed day(s)" if self.caught_up else ""
        return (
            f"daily job of {self.day}: {self.rederived:,} children re-derived; "
            f"tasks opened: {counts(self.opened)}; escalated: {counts(self.escalated)}; "
            f"closed themselves: {counts(self.closed)}{caught}"
        )


async def rederive(engine: AsyncEngine, now: datetime, reporter: Reporter) -> int:
    """Re-derive every child as of `now`'s day and recompute the current quarter's statistics
    of every village (what `shouhu derive` does); how many children changed."""
    changed = await refresh_all_children(engine, clock.local_day(now), reporter)
    # Categories changed with the ages: the current quarter's statistics follow.
    with reporter.step("statistics of the current quarter", None):
        async with engine.begin() as conn:
            await refresh_statistics(conn, None, now)
    return changed


async def close_ended(
    conn: AsyncConnection | AsyncSession,
    now: datetime,
    rules: DeadlineRules,
    subject_ids: Sequence[uuid.UUID] | None = None,
    kinds: Sequence[TaskKind] = DEADLINE_KINDS,
) -> dict[TaskKind, int]:
    """Close, as done by no one, the open deadline tasks (every level) whose situation ended:
    the visit made, the case moved on or closed, the referral answered, the pupil returned.
    The daily job closes them all; a write that may end a situation closes those about its
    own subjects (`subject_ids`) at once, in its transaction."""
    about = "" if subject_ids is None else "AND t.subject_id = ANY(:subjects) "
    closed: dict[TaskKind, int] = {}
    for kind in kinds:
        result = await conn.execute(
            text(
                "UPDATE tasks t SET status = :done, closed_at = :now "
                f"WHERE t.status = 'open' AND t.kind = :kind {about}"
                f"AND NOT EXISTS ({_STILL_HOLDS[kind]})"
            ),
            {
                **_situation_parameters(kind, now, rules),
                "done": TaskStatus.DONE.value,
                "subjects": list(subject_ids or ()),
            },
        )
        closed[kind] = cast(CursorResult[Any], result).rowcount
    return closed


async def close_ended_about(
    session: AsyncSession,
    subject_ids: Sequence[uuid.UUID],
    now: datetime,
    kinds: Sequence[TaskKind],
) -> None:
    """In a write that may end a deadline task's situation (a visit, a case's step, a
    referral's answer): its tasks of these kinds about these subjects close now, not at the
    next daily run."""
    await close_ended(session, now, get_settings().deadline_rules, subject_ids, kinds)


async def close_trainings_given(
    conn: AsyncConnection | AsyncSession,
    now: datetime,
    user_ids: Sequence[uuid.UUID] | None = None,
) -> int:
    """Close, as done by no one, the open STAFF_TRAINING tasks of people no longer owed a
    training (a passed training recorded, the person gone, deactivated, or another role), or
    owed it elsewhere (moved); all of them, or those about `user_ids`. How many closed."""
    about = "" if user_ids is None else "AND t.subject_id = ANY(:subjects) "
    result = await conn.execute(
        text(
            "UPDATE tasks t SET status = :done, closed_at = :now "
            f"WHERE t.status = 'open' AND t.kind = :kind {about}"
            f"AND NOT EXISTS ({_TRAINING_STILL_OWED})"
        ),
        {
            **_training_parameters(now),
            "done": TaskStatus.DONE.value,
            "subjects": list(user_ids or ()),
        },
    )
    return cast(CursorResult[Any], result).rowcount


async def close_training_task(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> bool:
    """In a write that may end a person's training owed (a passed training recorded, the
    person left or deactivated): their open STAFF_TRAINING task closes now, in the write's
    transaction, not at the next daily run. Whether one closed (none while still owed: a
    failed training changes nothing)."""
    await session.flush()
    return await close_trainings_given(session, now, [user_id]) > 0


async def open_training_tasks(conn: AsyncConnection, now: datetime) -> int:
    """Open a STAFF_TRAINING task for each director or supervisor owed a training who has
    none yet: owed by their trainer's role (`TRAINED_BY`) in their area, due on the
    refresher's day (today for one never trained). How many opened."""
    parameters = {
        **_training_parameters(now),
        "subject_type": TaskSubject.STAFF.value,
        "never_reason": _NEVER_TRAINED,
        "refresher_reason": _REFRESHER,
        "never_priority": rules_of.training_priority(None).value,
        "refresher_priority": rules_of.training_priority(clock.local_day(now)).value,
        "level": 0,
    }
    return await _insert_found(conn, _TRAINING_SITUATIONS, parameters)


def _situation_parameters(kind: TaskKind, now: datetime, rules: DeadlineRules) -> dict[str, Any]:
    """The parameters a kind's situation is tested with."""
    today = clock.local_day(now)
    before: date | datetime | None = {
        TaskKind.VISIT_OVERDUE: rules_of.visit_overdue_before(today, rules),
        TaskKind.REFERRAL_UNANSWERED: rules_of.referral_sent_before(now, rules),
        TaskKind.DROPOUT_NOT_RETURNED: rules_of.persuasion_began_before(now, rules),
    }.get(kind)
    found: dict[str, Any] = {"kind": kind.value, "now": now}
    if before is not None:
        found["before"] = before
    if kind is TaskKind.CASE_OVERDUE:
        found["exempt_stages"] = [stage.value for stage in rules_of.STAGES_WITHOUT_CASE_OVERDUE]
    return found


async def open_overdue(
    conn: AsyncConnection, now: datetime, rules: DeadlineRules
) -> dict[TaskKind, int]:
    """Open a task for each subject whose deadline passed and that has none for its situation
    yet: at the level the kind opens at (a case's assignee, else the township; the village
    for visits and dropouts)."""
    today = clock.local_day(now)
    opened: dict[TaskKind, int] = {}
    for kind in DEADLINE_KINDS:
        assigned = rules_of.first_level(kind, True)
        unassigned = rules_of.first_level(kind, False)
        parameters = {
            **_situation_parameters(kind, now, rules),
            "subject_type": _SUBJECTS[kind].value,
            "reason": _REASONS[kind],
            "due_on": rules_of.due_on(today, rules),
            "priority": rules_of.priority(kind, assigned).value,
            "role": rules_of.level_role(assigned).value,
            "level": assigned,
            "unassigned_priority": rules_of.priority(kind, unassigned).value,
            "unassigned_role": rules_of.level_role(unassigned).value,
            "unassigned_level": unassigned,
        }
        opened[kind] = await _insert_found(conn, _SITUATIONS[kind], parameters)
    return opened


async def escalate(
    conn: AsyncConnection, now: datetime, rules: DeadlineRules
) -> dict[TaskKind, int]:
    """Open the same task one level up for each deadline task still open past its due date,
    unless that level already has one since it opened (escalation stops at the county)."""
    today = clock.local_day(now)
    escalated: dict[TaskKind, int] = {}
    for kind in DEADLINE_KINDS:
        count = 0
        for level in range(1, rules_of.TOP_LEVEL + 1):
            found = f"""
                SELECT t.area_code, t.kind, t.subject_type, t.subject_id, t.child_id, :reason,
                       {_DUE}, {_OWED_BY_ROLE}, {_NOW}, {_NOW}
                FROM tasks t
                WHERE t.status = 'open' AND t.kind = :kind AND t.escalation_level = :level - 1
                  AND t.due_on < :today
                  AND NOT EXISTS (
                      SELECT 1 FROM tasks u
                      WHERE u.subject_id = t.subject_id AND u.kind = t.kind
                        AND u.escalation_level = :level AND u.created_at >= t.created_at)
            """
            parameters = {
                "kind": kind.value,
                "reason": _REASONS[kind],
                "due_on": rules_of.due_on(today, rules),
                "priority": rules_of.priority(kind, level).value,
                "role": rules_of.level_role(level).value,
                "level": level,
                "now": now,
                "today": today,
            }
            count += await _insert_found(conn, found, parameters, OutboxEventKind.TASK_ESCALATED)
        escalated[kind] = count
    return escalated


async def _run_steps(
    engine: AsyncEngine, now: datetime, rules: DeadlineRules, reporter: Reporter
) -> DailyOutcome:
    """The job's steps as of `now`, each in its own transaction(s)."""
    outcome = DailyOutcome(day=clock.local_day(now), ran=True)
    outcome.rederived = await rederive(engine, now, reporter)
    # Ended situations close first, so a task whose situation ended is never escalated.
    with reporter.step("tasks whose situation ended closed", None):
        async with engine.begin() as conn:
            outcome.closed = await close_ended(conn, now, rules)
            outcome.closed[TaskKind.STAFF_TRAINING] = await close_trainings_given(conn, now)
    with reporter.step("deadline tasks opened", None):
        async with engine.begin() as conn:
            outcome.opened = await open_overdue(conn, now, rules)
    with reporter.step("training tasks opened", None):
        async with engine.begin() as conn:
            outcome.opened[TaskKind.STAFF_TRAINING] = await open_training_tasks(conn, now)
    with reporter.step("overdue tasks escalated", None):
        async with engine.begin() as conn:
            outcome.escalated = await escalate(conn, now, rules)
    return outcome


async def run_daily_job(
    engine: AsyncEngine,
    reporter: Reporter | None = None,
    *,
    rules: DeadlineRules | None = None,
) -> DailyOutcome:
    """Run the day's job unless it is done or running elsewhere; catch up missed days.

    `engine` must connect as the owner of the tables (row-level security would hide most
    files from the job). The day is the clock's local day when the job starts.
    """
    reporter = reporter or SilentReporter()
    rules = rules or get_settings().deadline_rules
    now = clock.now()
    today = clock.local_day(now)
    async with engine.connect() as lock:
        if not await lock.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": DAILY_JOB_LOCK}
        ):
            return DailyOutcome(day=today, ran=False)
        await lock.commit()
        try:
            last: date | None = await lock.scalar(text("SELECT max(day) FROM daily_job_runs"))
            await lock.commit()
            if last is not None and last >= today:
                return DailyOutcome(day=today, ran=False)
            outcome = await _run_steps(engine, now, rules, reporter)
            # Days missed since the last run (none before the first run ever).
            start = today if last is None else last + timedelta(days=1)
            outcome.caught_up = [start + timedelta(days=n) for n in range((today - start).days)]
            finished = clock.now()
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO daily_job_runs (day, run_on, started_at, finished_at, "
                        "summary) VALUES (:day, :today, :now, :finished, :summary) "
                        "ON CONFLICT (day) DO NOTHING"
                    ),
                    [
                        {"day": day, "today": today, "now": now, "finished": finished,
                         "summary": outcome.line()}
                        for day in (*outcome.caught_up, today)
                    ],
                )  # fmt: skip
            return outcome
        finally:
            await lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": DAILY_JOB_LOCK})
            await lock.commit()


def seconds_to_next_check(now: datetime, every: float) -> float:
    """How long the background loop sleeps: `every` seconds, or until just after the local
    day changes if that comes sooner (the new day's job starts at once)."""
    midnight = clock.start_of_day(clock.local_day(now) + timedelta(days=1))
    return max(1.0, min(every, (midnight - now).total_seconds() + 1))


async def daily_loop(engine: AsyncEngine, settings: Settings) -> None:
    """Run the daily job now and then at each check, for as long as the process serves. A
    failed run is logged and tried again at the next check."""
    while True:
        try:
            outcome = await run_daily_job(engine, rules=settings.deadline_rules)
            if outcome.ran:
                log.info(outcome.line())
        except Exception:
            log.exception("the daily job failed; it is tried again at the next check")
        await asyncio.sleep(seconds_to_next_check(clock.now(), settings.daily_job_check_seconds))


@contextlib.asynccontextmanager
async def daily_job_running(url: str, settings: Settings) -> AsyncIterator[None]:
    """While the context lasts, the daily job runs in the background (unless disabled by
    SHOUHU_DAILY_JOB=false) on an engine of its own connecting as the owner at `url`."""
    if not settings.daily_job:
        yield
        return
    engine = create_engine(url, pool_size=2)
    loop = asyncio.create_task(daily_loop(engine, settings), name="shouhu-daily-job")
    try:
        yield
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        await engine.dispose()


async def _insert_found(
    conn: AsyncConnection,
    found: str,
    parameters: dict[str, Any],
    event: OutboxEventKind = OutboxEventKind.TASK_OPENED,
) -> int:
    """Insert the tasks a SELECT finds (the columns after `id`), each told to partner
    systems as `event`; how many were new.

    The SELECT runs to the end first, into a temporary table: its NOT EXISTS reads `tasks`,
    and run inside the INSERT it would scan the rows being inserted too, once per candidate
    when the planner, seeing few tasks, scans rather than uses the index (the first run over
    a million children took minutes that way)."""
    found_columns = _COLUMNS.removeprefix("id, ")
    await conn.execute(
        text(f"CREATE TEMPORARY TABLE found_tasks ({found_columns}) ON COMMIT DROP AS {found}"),
        parameters,
    )
    inserted = (
        (
            await conn.execute(
                text(
                    f"INSERT INTO tasks ({_COLUMNS}) "
                    f"SELECT gen_random_uuid(), {found_columns} FROM found_tasks {_ON_CONFLICT} "
                    "RETURNING *"
                )
            )
        )
        .mappings()
        .all()
    )
    await conn.execute(text("DROP TABLE found_tasks"))
    # Partner systems are told in the same transaction (app/services/outbox.py).
    await outbox.tasks_opened(conn, inserted, event)
    return len(inserted)
