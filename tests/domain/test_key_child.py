"""Key-child reasons derived from a child's facts."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.facts import ChildFacts
from app.domain.key_child import is_key_child, key_child_reasons
from app.enums import (
    GuardianCapacity,
    KeyChildReason,
    LivingArrangement,
    ParentStatus,
    SchoolStatus,
)

R = KeyChildReason
S = ParentStatus
ON = date(2026, 6, 1)
BORN = date(2016, 6, 1)
BOTH_AWAY = (S.WORKING_AWAY, S.WORKING_AWAY)


def test_ordinary_child_is_not_a_key_child() -> None:
    facts = ChildFacts(birth_date=BORN)
    assert key_child_reasons(facts, ON) == []
    assert not is_key_child(facts, ON)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            ChildFacts(birth_date=BORN, living_arrangement=LivingArrangement.ALONE),
            [R.POOR_GUARDIANSHIP, R.LIVING_ALONE],
        ),
        (
            ChildFacts(birth_date=BORN, school_status=SchoolStatus.DROPPED_OUT),
            [R.DROPPED_OUT],
        ),
        (
            ChildFacts(birth_date=BORN, no_household_registration=True),
            [R.NO_HOUSEHOLD_REGISTRATION],
        ),
        (ChildFacts(birth_date=BORN, disability=True), [R.ILL_OR_DISABLED]),
        (ChildFacts(birth_date=BORN, serious_illness=True), [R.ILL_OR_DISABLED]),
        (
            ChildFacts(birth_date=BORN, disability=True, serious_illness=True),
            [R.ILL_OR_DISABLED],
        ),
        (
            ChildFacts(birth_date=BORN, parent_statuses=(S.AT_HOME, S.IMPRISONED)),
            [R.PARENT_IMPRISONED],
        ),
        # Left-behind with no entrusted guardian.
        (ChildFacts(birth_date=BORN, parent_statuses=BOTH_AWAY), [R.POOR_GUARDIANSHIP]),
        # Left-behind, father away and mother imprisoned, no guardian.
        (
            ChildFacts(birth_date=BORN, parent_statuses=(S.WORKING_AWAY, S.IMPRISONED)),
            [R.POOR_GUARDIANSHIP, R.PARENT_IMPRISONED],
        ),
        # Left-behind with a capable or unassessed guardian: not a key child.
        (
            ChildFacts(
                birth_date=BORN,
                parent_statuses=BOTH_AWAY,
                has_active_guardian=True,
                guardian_capacity=GuardianCapacity.CAPABLE,
            ),
            [],
        ),
        (
            ChildFacts(
                birth_date=BORN,
                parent_statuses=BOTH_AWAY,
                has_active_guardian=True,
                guardian_capacity=GuardianCapacity.UNASSESSED,
            ),
            [],
        ),
        # An active guardian assessed incapable.
        (
            ChildFacts(
                birth_date=BORN,
                parent_statuses=BOTH_AWAY,
                has_active_guardian=True,
                guardian_capacity=GuardianCapacity.INCAPABLE,
            ),
            [R.POOR_GUARDIANSHIP],
        ),
        # An orphan or a de-facto unsupported child without a guardian (民发〔2019〕62号).
        (
            ChildFacts(birth_date=BORN, parent_statuses=(S.DECEASED, S.DECEASED)),
            [R.POOR_GUARDIANSHIP],
        ),
        (
            ChildFacts(birth_date=BORN, parent_statuses=(S.DECEASED, S.INCAPACITATED)),
            [R.POOR_GUARDIANSHIP],
        ),
        (
            ChildFacts(birth_date=BORN, parent_statuses=(S.MISSING, S.IMPRISONED)),
            [R.POOR_GUARDIANSHIP, R.PARENT_IMPRISONED],
        ),
        # ... with a guardian, or placed in an institution: not for that reason.
        (
            ChildFacts(
                birth_date=BORN,
                parent_statuses=(S.DECEASED, S.DECEASED),
                has_active_guardian=True,
                guardian_capacity=GuardianCapacity.CAPABLE,
            ),
            [],
        ),
        (
            ChildFacts(
                birth_date=BORN,
                parent_statuses=(S.DECEASED, S.MISSING),
                living_arrangement=LivingArrangement.INSTITUTION,
            ),
            [],
        ),
        # A parent away, the other at home: not left-behind, so no guardian is needed.
        (ChildFacts(birth_date=BORN, parent_statuses=(S.WORKING_AWAY, S.AT_HOME)), []),
        # Recorded reasons come through, in declaration order.
        (
            ChildFacts(
                birth_date=BORN,
                recorded_key_reasons=frozenset({R.BEGGING, R.PARENT_SUBSTANCE_ABUSE}),
            ),
            [R.PARENT_SUBSTANCE_ABUSE, R.BEGGING],
        ),
        # A recorded reason that is also derived appears once.
        (
            ChildFacts(
                birth_date=BORN,
                school_status=SchoolStatus.DROPPED_OUT,
                recorded_key_reasons=frozenset({R.DROPPED_OUT, R.DOMESTIC_VIOLENCE}),
            ),
            [R.DROPPED_OUT, R.DOMESTIC_VIOLENCE],
        ),
    ],
)
def test_reasons(facts: ChildFacts, expected: list[KeyChildReason]) -> None:
    assert key_child_reasons(facts, ON) == expected
    assert is_key_child(facts, ON) is bool(expected)


def test_every_reason_at_once_in_declaration_order() -> None:
    facts = ChildFacts(
        birth_date=BORN,
        parent_statuses=(S.WORKING_AWAY, S.IMPRISONED),
        living_arrangement=LivingArrangement.ALONE,
        school_status=SchoolStatus.DROPPED_OUT,
        no_household_registration=True,
        serious_illness=True,
        recorded_key_reasons=frozenset({R.BEGGING, R.DOMESTIC_VIOLENCE, R.PARENT_SUBSTANCE_ABUSE}),
    )
    assert key_child_reasons(facts, ON) == list(KeyChildReason)


def test_unguarded_child_stops_being_poorly_guarded_at_16() -> None:
    facts = ChildFacts(birth_date=date(2010, 6, 1), parent_statuses=BOTH_AWAY)
    assert key_child_reasons(facts, date(2026, 5, 31)) == [R.POOR_GUARDIANSHIP]
    assert key_child_reasons(facts, date(2026, 6, 1)) == []


def test_unguarded_orphan_stays_poorly_guarded_until_18() -> None:
    facts = ChildFacts(birth_date=date(2009, 6, 1), parent_statuses=(S.DECEASED, S.DECEASED))
    assert key_child_reasons(facts, date(2026, 6, 1)) == [R.POOR_GUARDIANSHIP]
    assert key_child_reasons(facts, date(2027, 6, 1)) == []


def test_adults_have_no_reasons() -> None:
    facts = ChildFacts(
        birth_date=date(2008, 6, 1),
        disability=True,
        recorded_key_reasons=frozenset({R.BEGGING}),
    )
    assert key_child_reasons(facts, date(2026, 5, 31)) == [R.ILL_OR_DISABLED, R.BEGGING]
    assert key_child_reasons(facts, date(2026, 6, 1)) == []
    assert not is_key_child(facts, date(2026, 6, 1))
