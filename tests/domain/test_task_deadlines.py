"""The daily job's deadline rules (app/domain/task_deadlines.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.task_deadlines import (
    DeadlineRules,
    due_on,
    first_level,
    is_dropout_not_returned,
    is_escalation_due,
    is_referral_unanswered,
    is_stage_overdue,
    is_visit_overdue,
    level_role,
    next_level,
    priority,
)
from app.enums import CaseStage, Role, TaskKind, TaskPriority

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RULES = DeadlineRules()
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("next_visit_due", "grace", "overdue"),
    [
        (None, 7, False),  # nothing due
        (TODAY, 7, False),  # due today
        (TODAY - 7 * DAY, 7, False),  # exactly the grace late
        (TODAY - 8 * DAY, 7, True),  # a day past it
        (TODAY - DAY, 0, True),  # no grace: late the day after
        (TODAY + 30 * DAY, 0, False),  # visited: due next month
    ],
)
def test_a_visit_is_overdue_only_past_its_grace(
    next_visit_due: date | None, grace: int, overdue: bool
) -> None:
    rules = DeadlineRules(visit_grace_days=grace)
    assert is_visit_overdue(next_visit_due, TODAY, rules) is overdue


@pytest.mark.parametrize(
    ("stage", "due_at", "overdue"),
    [
        (CaseStage.ASSESSMENT, NOW - timedelta(minutes=1), True),
        (CaseStage.ASSESSMENT, NOW, False),  # due this very moment: not yet past
        (CaseStage.ASSESSMENT, NOW + DAY, False),
        (CaseStage.FOLLOW_UP, None, False),  # a stage without a deadline
        # A dropout being persuaded has its own rule, owed by the village.
        (CaseStage.PERSUASION, NOW - DAY, False),
        (CaseStage.PERSUASION_FAILED, NOW - DAY, True),
    ],
)
def test_a_stage_past_its_deadline_is_overdue(
    stage: CaseStage, due_at: datetime | None, overdue: bool
) -> None:
    assert is_stage_overdue(stage, due_at, NOW) is overdue


@pytest.mark.parametrize(
    ("sent_days_ago", "unanswered"), [(0, False), (3, False), (3.01, True), (10, True)]
)
def test_a_referral_waits_three_days_for_an_answer(sent_days_ago: float, unanswered: bool) -> None:
    referred_at = NOW - timedelta(days=sent_days_ago)
    assert is_referral_unanswered(referred_at, NOW, RULES) is unanswered


@pytest.mark.parametrize(
    ("stage", "days_in_stage", "not_returned"),
    [
        (CaseStage.PERSUASION, 14, False),
        (CaseStage.PERSUASION, 15, False),
        (CaseStage.PERSUASION, 15.5, True),
        # Persuasion over (failed and reported, or followed up): this rule has nothing to say.
        (CaseStage.PERSUASION_FAILED, 30, False),
        (CaseStage.FOLLOW_UP, 30, False),
    ],
)
def test_a_dropout_not_returned_after_fifteen_days_of_persuasion(
    stage: CaseStage, days_in_stage: float, not_returned: bool
) -> None:
    entered = NOW - timedelta(days=days_in_stage)
    assert is_dropout_not_returned(stage, entered, NOW, RULES) is not_returned


@pytest.mark.parametrize(
    ("kind", "has_assignee", "level"),
    [
        (TaskKind.VISIT_OVERDUE, False, 0),  # the village
        (TaskKind.DROPOUT_NOT_RETURNED, False, 0),
        # A case or a referral: its assignee (a person, level 0), else the township.
        (TaskKind.CASE_OVERDUE, True, 0),
        (TaskKind.CASE_OVERDUE, False, 1),
        (TaskKind.REFERRAL_UNANSWERED, True, 0),
        (TaskKind.REFERRAL_UNANSWERED, False, 1),
    ],
)
def test_the_level_a_task_opens_at(kind: TaskKind, has_assignee: bool, level: int) -> None:
    assert first_level(kind, has_assignee) == level


def test_escalation_goes_village_township_county_and_stops() -> None:
    assert [next_level(level) for level in (0, 1, 2)] == [1, 2, None]
    assert [level_role(level) for level in (0, 1, 2)] == [
        Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_CIVIL_AFFAIRS,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("level", "due", "escalates"),
    [
        (0, TODAY - DAY, True),
        (0, TODAY, False),  # due today: the level still has the day
        (1, TODAY - DAY, True),
        (2, TODAY - 30 * DAY, False),  # the county's is the last
        (0, None, False),
    ],
)
def test_a_task_escalates_the_day_after_it_is_due(
    level: int, due: date | None, escalates: bool
) -> None:
    assert is_escalation_due(level, due, TODAY) is escalates


def test_each_level_has_the_escalation_days_to_act() -> None:
    assert due_on(TODAY, RULES) == TODAY + 3 * DAY
    assert due_on(TODAY, DeadlineRules(escalation_days=5)) == TODAY + 5 * DAY


@pytest.mark.parametrize(
    ("kind", "level", "expected"),
    [
        (TaskKind.VISIT_OVERDUE, 0, TaskPriority.NORMAL),
        (TaskKind.DROPOUT_NOT_RETURNED, 0, TaskPriority.NORMAL),
        (TaskKind.CASE_OVERDUE, 0, TaskPriority.HIGH),
        (TaskKind.REFERRAL_UNANSWERED, 0, TaskPriority.HIGH),
        (TaskKind.VISIT_OVERDUE, 1, TaskPriority.HIGH),
        (TaskKind.VISIT_OVERDUE, 2, TaskPriority.URGENT),
        (TaskKind.CASE_OVERDUE, 2, TaskPriority.URGENT),
    ],
)
def test_priority_rises_with_the_level(kind: TaskKind, level: int, expected: TaskPriority) -> None:
    assert priority(kind, level) is expected
