"""The deadline rules the daily job applies (app/services/daily.py), as plain functions.

Four situations open a task when a deadline passes: a visit overdue by more than its grace, a
case stage past its deadline, a referral not accepted in time, a dropout not returned. Each
task closes itself when its situation ends, and a task still open past its own due date opens
the same kind one level up: village, township, county (`escalation_level` 0, 1, 2), where
escalation stops. The job runs them as set-based SQL over all files; what decides is here:
the cut-offs, who owes a task at which level, when it is due and how urgent it is.

A fifth rule is about people, not files: a village director or township supervisor owed a
training (app/domain/staff.py `training_owed`) gives their trainer a STAFF_TRAINING task,
which does not escalate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.domain.staff import TRAINED_ROLES, refresher_due
from app.enums import CaseStage, Role, TaskKind, TaskPriority

# Who owes a task at each escalation level.
LEVEL_ROLES: tuple[Role, ...] = (
    Role.VILLAGE_DIRECTOR,
    Role.TOWNSHIP_SUPERVISOR,
    Role.COUNTY_CIVIL_AFFAIRS,
)
TOP_LEVEL = len(LEVEL_ROLES) - 1
TOWNSHIP_LEVEL = 1

DEADLINE_KINDS: tuple[TaskKind, ...] = (
    TaskKind.VISIT_OVERDUE,
    TaskKind.CASE_OVERDUE,
    TaskKind.REFERRAL_UNANSWERED,
    TaskKind.DROPOUT_NOT_RETURNED,
)
# A dropout being persuaded has its own rule (DROPOUT_NOT_RETURNED, owed by the village); the
# stage's deadline does not open a second task about it.
STAGES_WITHOUT_CASE_OVERDUE: frozenset[CaseStage] = frozenset({CaseStage.PERSUASION})


@dataclass(frozen=True)
class DeadlineRules:
    """The thresholds of the deadline rules (settings; defaults from the seeds)."""

    # Days a due visit may wait before it is overdue (seed 001 sets monthly and quarterly
    # visits, not the day: a week's grace).
    visit_grace_days: int = 7
    # Days a receiving organization has to accept or decline a referral.
    referral_accept_days: int = 3
    # Days of persuasion (劝返) before a pupil who has not returned is reported (seed 004:
    # the dropout path, app/domain/case_deadlines.py's fortnight).
    dropout_return_days: int = 15
    # Days each level has to act on a task before it escalates to the next.
    escalation_days: int = 3


def visit_overdue_before(today: date, rules: DeadlineRules) -> date:
    """A child whose next visit was due before this day is overdue past its grace."""
    return today - timedelta(days=rules.visit_grace_days)


def is_visit_overdue(next_visit_due: date | None, today: date, rules: DeadlineRules) -> bool:
    """Whether a child's due visit is overdue by more than its grace."""
    return next_visit_due is not None and next_visit_due < visit_overdue_before(today, rules)


def is_stage_overdue(stage: CaseStage, due_at: datetime | None, now: datetime) -> bool:
    """Whether an open case's stage is past its deadline in a way that opens CASE_OVERDUE."""
    return stage not in STAGES_WITHOUT_CASE_OVERDUE and due_at is not None and now > due_at


def referral_sent_before(now: datetime, rules: DeadlineRules) -> datetime:
    """A referral sent before this moment and still not answered is unanswered."""
    return now - timedelta(days=rules.referral_accept_days)


def is_referral_unanswered(referred_at: datetime, now: datetime, rules: DeadlineRules) -> bool:
    """Whether a referral still waiting for its receiver has waited too long."""
    return referred_at < referral_sent_before(now, rules)


def persuasion_began_before(now: datetime, rules: DeadlineRules) -> datetime:
    """A dropout case in persuasion since before this moment has not returned in time."""
    return now - timedelta(days=rules.dropout_return_days)


def is_dropout_not_returned(
    stage: CaseStage, stage_entered_at: datetime, now: datetime, rules: DeadlineRules
) -> bool:
    """Whether an open dropout case is still being persuaded past the days it had."""
    return stage is CaseStage.PERSUASION and stage_entered_at < persuasion_began_before(now, rules)


def first_level(kind: TaskKind, has_assignee: bool) -> int:
    """The level a deadline task opens at: the village for visits and dropouts; for a case
    or a referral its assignee (level 0, the person), else the township that works it."""
    if kind in (TaskKind.CASE_OVERDUE, TaskKind.REFERRAL_UNANSWERED) and not has_assignee:
        return TOWNSHIP_LEVEL
    return 0


def level_role(level: int) -> Role:
    """The role that owes a task at `level`."""
    return LEVEL_ROLES[level]


def next_level(level: int) -> int | None:
    """The level a task still open past its due date escalates to (None: the county's is the
    last)."""
    return level + 1 if level < TOP_LEVEL else None


def due_on(opened_on: date, rules: DeadlineRules) -> date:
    """When a deadline task opened on `opened_on` is itself due (past it, it escalates)."""
    return opened_on + timedelta(days=rules.escalation_days)


def is_escalation_due(level: int, due: date | None, today: date) -> bool:
    """Whether an open deadline task at `level`, due on `due`, escalates today."""
    return next_level(level) is not None and due is not None and today > due


def priority(kind: TaskKind, level: int) -> TaskPriority:
    """How urgent a deadline task is: a case's or a referral's delay is high from the start;
    a task escalated to the county is urgent."""
    if level >= TOP_LEVEL:
        return TaskPriority.URGENT
    if level > 0 or kind in (TaskKind.CASE_OVERDUE, TaskKind.REFERRAL_UNANSWERED):
        return TaskPriority.HIGH
    return TaskPriority.NORMAL


# Who trains whom (seed 002 二(二): "地市级民政部门负责培训到儿童督导员，县级民政部门负责培训到
# 儿童主任"): the county its village directors, the city its township supervisors.
TRAINED_BY: dict[Role, Role] = {
    Role.VILLAGE_DIRECTOR: Role.COUNTY_CIVIL_AFFAIRS,
    Role.TOWNSHIP_SUPERVISOR: Role.CITY,
}


def training_due_on(role: Role, trained_on: date | None, today: date) -> date | None:
    """When a training task about a person of `role` is due: today for one never trained
    (they may not write until trained), else the refresher's day; None for other roles."""
    if role not in TRAINED_ROLES:
        return None
    return refresher_due(role, trained_on) or today


def training_priority(trained_on: date | None) -> TaskPriority:
    """How urgent a training task is: high for one never trained (who may not write until
    trained), normal for a yearly refresher."""
    return TaskPriority.HIGH if trained_on is None else TaskPriority.NORMAL
