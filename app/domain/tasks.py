"""The rules that open and close tasks, as plain functions of a child's situation.

Each rule is idempotent: it says what a situation calls for given what is already open, so
evaluating it again after any save of the same facts opens nothing more. Thresholds are a
`TaskRules` (settings, defaults from seeds 002 and 004).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.classification import age_on
from app.enums import CaseCategory, GuardianCapacity, LivingArrangement, TaskKind


@dataclass(frozen=True)
class TaskRules:
    """The thresholds of the task rules."""

    # Seed 004 §四: a child under this age living alone, or whose guardian lost capacity,
    # is reported to the police at once.
    report_under_age: int = 16
    # Days the village has to find a new guardian.
    find_guardian_days: int = 7
    # Days the village has to reach parents who never call: seed 001 expects contact at
    # least weekly.
    parents_contact_days: int = 7
    # Days the village has to get a left-behind child's entrusted guardian assessed and the
    # confirmation signed (seed 001's 委托监护确认书).
    confirm_guardian_days: int = 30


class Alert(StrEnum):
    """A danger or gap in a child's situation the rules act on. Each is raised once while it
    lasts (`Situation.raised`): ended and back again, it is a new situation and acts again."""

    # The mandatory reports (seed 004 §四), named as the case categories they open.
    LIVING_ALONE = CaseCategory.LIVING_ALONE.value
    MISSING = CaseCategory.MISSING.value
    GUARDIAN_INCAPABLE = CaseCategory.GUARDIAN_INCAPABLE.value
    # The village's work on a left-behind child's file.
    PARENTS_NO_CONTACT = "parents_no_contact"
    NO_CONFIRMED_GUARDIAN = "no_confirmed_guardian"


# The mandatory reports the rules make themselves, in the order they are considered.
_REPORTED = (CaseCategory.LIVING_ALONE, CaseCategory.MISSING, CaseCategory.GUARDIAN_INCAPABLE)


# The village task each village alert opens, about the child; it closes when the alert ends.
VILLAGE_TASKS: dict[Alert, TaskKind] = {
    Alert.PARENTS_NO_CONTACT: TaskKind.CONTACT_PARENTS,
    Alert.NO_CONFIRMED_GUARDIAN: TaskKind.CONFIRM_GUARDIAN,
}


@dataclass(frozen=True)
class Guardian:
    """One of the child's guardianships, as the rules see it."""

    id: uuid.UUID
    active: bool
    capacity: GuardianCapacity
    confirmed: bool


@dataclass(frozen=True)
class Situation:
    """What the rules look at about one child."""

    birth_date: date
    living_arrangement: LivingArrangement
    # The active guardianship, if any.
    guardian: Guardian | None
    # The latest guardianship that ended, if any.
    ended_guardian: Guardian | None
    open_case_categories: frozenset[CaseCategory]
    # Guardianships a find-a-guardian task was ever opened about (open or closed): each is
    # one situation, which never opens a second task.
    find_guardian_subjects: frozenset[uuid.UUID]
    # Recorded missing (走失): the child's whereabouts are unknown.
    missing: bool = False
    # Derived: a left-behind child (both parents away, or one away and the other unable).
    left_behind: bool = False
    # A parent working away who never contacts the child.
    parents_never_contact: bool = False
    # The alerts raised on an earlier save that have lasted since.
    raised: frozenset[Alert] = frozenset()


@dataclass(frozen=True)
class Firing:
    """What a situation calls for now."""

    # Mandatory reports to make now: the alert is new, and no case of the category is open.
    reports: tuple[CaseCategory, ...] = ()
    # The alerts the situation is in now, to keep as `Situation.raised` for the next save.
    raised: frozenset[Alert] = frozenset()
    # Reports the rules made whose situation ended: the township's response to them is done.
    close_reports: tuple[CaseCategory, ...] = ()
    # The village tasks about the child to open (their alert is new), each with its due
    # day, and to close (their alert ended).
    open_village_tasks: tuple[tuple[TaskKind, date], ...] = ()
    close_village_tasks: tuple[TaskKind, ...] = ()
    # A find-a-guardian task to open about this guardianship, due on `find_guardian_due`.
    find_guardian_about: uuid.UUID | None = None
    find_guardian_due: date | None = None
    # The child's open find-a-guardian tasks close: a confirmed capable guardian exists.
    close_find_guardian: bool = False


def report_categories(situation: Situation, rules: TaskRules, today: date) -> list[CaseCategory]:
    """The mandatory-report categories the child's situation is in (seed 004 §四)."""
    if age_on(situation.birth_date, today) >= rules.report_under_age:
        return []
    found = []
    if situation.living_arrangement is LivingArrangement.ALONE:
        found.append(CaseCategory.LIVING_ALONE)
    if situation.missing:
        found.append(CaseCategory.MISSING)
    guardian = situation.guardian
    if guardian is not None and guardian.capacity is GuardianCapacity.INCAPABLE:
        found.append(CaseCategory.GUARDIAN_INCAPABLE)
    return found


def has_confirmed_guardian(situation: Situation) -> bool:
    """A guardian assessed capable whose entrustment the village confirmed."""
    guardian = situation.guardian
    return (
        guardian is not None
        and guardian.confirmed
        and guardian.capacity is GuardianCapacity.CAPABLE
    )


def guardian_lost(situation: Situation) -> uuid.UUID | None:
    """The guardianship whose failure leaves the child needing a new guardian: the active
    one assessed incapable, or the last one ended with no successor."""
    guardian = situation.guardian
    if guardian is not None:
        return guardian.id if guardian.capacity is GuardianCapacity.INCAPABLE else None
    return situation.ended_guardian.id if situation.ended_guardian is not None else None


def village_alerts(situation: Situation) -> list[Alert]:
    """The gaps in a left-behind child's file the village must close (seed 001): parents who
    never call, and no confirmed guardian (unless the guardian failed: finding a new one is
    its own task)."""
    if not situation.left_behind:
        return []
    found = []
    if situation.parents_never_contact:
        found.append(Alert.PARENTS_NO_CONTACT)
    if not has_confirmed_guardian(situation) and guardian_lost(situation) is None:
        found.append(Alert.NO_CONFIRMED_GUARDIAN)
    return found


def report_ended(category: CaseCategory, situation: Situation) -> bool:
    """Whether the danger a report was about is over: the child found, no longer alone, or
    in the care of a guardian assessed capable and confirmed."""
    if category is CaseCategory.MISSING:
        return not situation.missing
    if category is CaseCategory.LIVING_ALONE and (
        situation.living_arrangement is not LivingArrangement.ALONE
    ):
        return True
    return has_confirmed_guardian(situation)


def _village_task_days(alert: Alert, rules: TaskRules) -> int:
    if alert is Alert.PARENTS_NO_CONTACT:
        return rules.parents_contact_days
    return rules.confirm_guardian_days


def evaluate(situation: Situation, rules: TaskRules, today: date) -> Firing:
    """What the child's situation calls for, given the alerts, cases and tasks already there.

    An alert acts once while it lasts: a report made and its case closed while the child
    still lives alone is not made again; the child moving in with someone and back is.
    """
    categories = report_categories(situation, rules, today)
    village = village_alerts(situation)
    raised = situation.raised
    reports = tuple(
        category
        for category in categories
        if Alert(category.value) not in raised and category not in situation.open_case_categories
    )
    lost = guardian_lost(situation)
    about = lost if lost is not None and lost not in situation.find_guardian_subjects else None
    ended = tuple(
        category
        for category in _REPORTED
        if Alert(category.value) in raised and report_ended(category, situation)
    )
    return Firing(
        reports=reports,
        close_reports=ended,
        raised=frozenset([*(Alert(c.value) for c in categories), *village]),
        open_village_tasks=tuple(
            (VILLAGE_TASKS[a], today + timedelta(days=_village_task_days(a, rules)))
            for a in village
            if a not in raised
        ),
        close_village_tasks=tuple(
            kind for a, kind in VILLAGE_TASKS.items() if a in raised and a not in village
        ),
        find_guardian_about=about,
        find_guardian_due=today + timedelta(days=rules.find_guardian_days) if about else None,
        close_find_guardian=has_confirmed_guardian(situation),
    )
