"""The rules that open and close tasks, as plain functions of a child's situation.

Each rule is idempotent: it says what a situation calls for given what is already open, so
evaluating it again after any save of the same facts opens nothing more. Thresholds are a
`TaskRules` (settings, defaults from seeds 002 and 004).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.classification import age_on
from app.enums import CaseCategory, GuardianCapacity, LivingArrangement


@dataclass(frozen=True)
class TaskRules:
    """The thresholds of the task rules."""

    # Seed 004 §四: a child under this age living alone, or whose guardian lost capacity,
    # is reported to the police at once.
    report_under_age: int = 16
    # Days the village has to find a new guardian.
    find_guardian_days: int = 7


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


@dataclass(frozen=True)
class Firing:
    """What a situation calls for now."""

    # Mandatory reports to make now (no case of the category is open).
    reports: tuple[CaseCategory, ...] = ()
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


def evaluate(situation: Situation, rules: TaskRules, today: date) -> Firing:
    """What the child's situation calls for, given the cases and tasks already there."""
    reports = tuple(
        category
        for category in report_categories(situation, rules, today)
        if category not in situation.open_case_categories
    )
    lost = guardian_lost(situation)
    about = lost if lost is not None and lost not in situation.find_guardian_subjects else None
    return Firing(
        reports=reports,
        find_guardian_about=about,
        find_guardian_due=today + timedelta(days=rules.find_guardian_days) if about else None,
        close_find_guardian=has_confirmed_guardian(situation),
    )
