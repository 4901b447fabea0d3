"""The facts about one child that the classification and key-child rules read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.enums import (
    GuardianCapacity,
    KeyChildReason,
    LivingArrangement,
    ParentStatus,
    SchoolStatus,
)


@dataclass(frozen=True, slots=True)
class ChildFacts:
    """A snapshot of one child's file, gathered from the child, household, parents and guardian.

    The defaults describe an ordinary child living with both parents at home, so tests and
    callers only spell out what differs.
    """

    birth_date: date
    # One entry per parent on file; a parent not on file counts as UNKNOWN.
    parent_statuses: tuple[ParentStatus, ...] = (ParentStatus.AT_HOME, ParentStatus.AT_HOME)
    living_arrangement: LivingArrangement = LivingArrangement.WITH_PARENTS
    school_status: SchoolStatus = SchoolStatus.IN_SCHOOL
    no_household_registration: bool = False
    disability: bool = False
    serious_illness: bool = False
    household_minimum_allowance: bool = False
    household_extreme_poverty: bool = False
    household_registered_poverty: bool = False
    # Recorded by staff: abuse, abandonment, injury, unlawful harm.
    safety_risk: bool = False
    # Recorded by staff: an orphan the parents' statuses do not show (parents not on file).
    scattered_orphan: bool = False
    has_active_guardian: bool = False
    # Capacity of the active entrusted guardian; None when there is none.
    guardian_capacity: GuardianCapacity | None = None
    guardianship_confirmed: bool = False
    # Reasons staff recorded that the rules cannot derive (e.g. a parent's drug abuse).
    recorded_key_reasons: frozenset[KeyChildReason] = frozenset()
