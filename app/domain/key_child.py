"""Key children (重点儿童): who needs monthly follow-up, and why (seeds 001 and 002 att. 3)."""

from __future__ import annotations

from datetime import date

from app.domain.classification import ADULT_AGE, age_on, needs_entrusted_guardian
from app.domain.facts import ChildFacts
from app.enums import (
    GuardianCapacity,
    KeyChildReason,
    LivingArrangement,
    ParentStatus,
    SchoolStatus,
)


def key_child_reasons(facts: ChildFacts, on: date) -> list[KeyChildReason]:
    """Return why the child is a key child on `on`, in KeyChildReason declaration order.

    Derived reasons: LIVING_ALONE, DROPPED_OUT, NO_HOUSEHOLD_REGISTRATION, ILL_OR_DISABLED
    (disability or serious illness), PARENT_IMPRISONED (any parent), POOR_GUARDIANSHIP (no
    active guardian for a child who needs one: left-behind, orphan or de-facto unsupported,
    see needs_entrusted_guardian; an active guardian assessed incapable; or a child living
    alone); every recorded reason is added. Children aged 18 or more leave
    the system and get none.
    """
    if age_on(facts.birth_date, on) >= ADULT_AGE:
        return []
    living_alone = facts.living_arrangement is LivingArrangement.ALONE
    unguarded = not facts.has_active_guardian and needs_entrusted_guardian(facts, on)
    incapable_guardian = (
        facts.has_active_guardian and facts.guardian_capacity is GuardianCapacity.INCAPABLE
    )
    derived = {
        KeyChildReason.POOR_GUARDIANSHIP: (unguarded or incapable_guardian or living_alone),
        KeyChildReason.LIVING_ALONE: living_alone,
        KeyChildReason.DROPPED_OUT: facts.school_status is SchoolStatus.DROPPED_OUT,
        KeyChildReason.NO_HOUSEHOLD_REGISTRATION: facts.no_household_registration,
        KeyChildReason.ILL_OR_DISABLED: facts.disability or facts.serious_illness,
        KeyChildReason.PARENT_IMPRISONED: ParentStatus.IMPRISONED in facts.parent_statuses,
    }
    return [
        reason
        for reason in KeyChildReason
        if derived.get(reason, False) or reason in facts.recorded_key_reasons
    ]


def is_key_child(facts: ChildFacts, on: date) -> bool:
    """Return whether the child is a key child on `on` (has at least one reason)."""
    return bool(key_child_reasons(facts, on))
