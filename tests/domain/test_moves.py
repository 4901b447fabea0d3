"""Moves between villages: the household a child ends up in, the acceptances a requested
move needs and when each may be given."""

from __future__ import annotations

import uuid

import pytest

from app.domain.moves import (
    HouseholdAfterMove,
    acceptance_steps,
    check_step_open,
    completes_move,
    household_after_move,
)
from app.domain.validation import Problem
from app.enums import MoveStep

OWN = uuid.UUID(int=1)
THERE = uuid.UUID(int=2)
FROM = "420702001001"
TO = "420702002003"
OTHER_COUNTY = "420703001001"


@pytest.mark.parametrize(
    ("siblings", "named", "named_in", "expected"),
    [
        (0, None, None, HouseholdAfterMove(takes_household=True, household_id=OWN)),
        (2, None, None, "HOUSEHOLD_REQUIRED"),
        (0, THERE, TO, HouseholdAfterMove(takes_household=False, household_id=THERE)),
        (1, THERE, TO, HouseholdAfterMove(takes_household=False, household_id=THERE)),
        (1, THERE, FROM, "INVALID_HOUSEHOLD"),
        (0, THERE, OTHER_COUNTY, "INVALID_HOUSEHOLD"),
        # Naming its own household (already moved with a sibling) keeps the family together.
        (0, OWN, TO, HouseholdAfterMove(takes_household=True, household_id=OWN)),
    ],
)
def test_household_after_move(
    siblings: int, named: uuid.UUID | None, named_in: str | None, expected: object
) -> None:
    outcome = household_after_move(
        current_household_id=OWN,
        siblings_staying=siblings,
        to_household_id=named,
        to_household_village=named_in,
        to_village=TO,
    )
    if isinstance(expected, str):
        assert isinstance(outcome, Problem)
        assert (outcome.code, outcome.field) == (expected, "toHouseholdId")
    else:
        assert outcome == expected


@pytest.mark.parametrize(
    ("to", "steps"),
    [
        (TO, (MoveStep.RECEIVING_VILLAGE,)),
        (
            OTHER_COUNTY,
            (MoveStep.SENDING_COUNTY, MoveStep.RECEIVING_COUNTY, MoveStep.RECEIVING_VILLAGE),
        ),
    ],
)
def test_acceptance_steps(to: str, steps: tuple[MoveStep, ...]) -> None:
    assert acceptance_steps(FROM, to) == steps


S, R, V = MoveStep.SENDING_COUNTY, MoveStep.RECEIVING_COUNTY, MoveStep.RECEIVING_VILLAGE
ACROSS = (S, R, V)


@pytest.mark.parametrize(
    ("needed", "accepted", "step", "code", "completes"),
    [
        ((V,), set(), V, None, True),
        ((V,), set(), S, "STEP_NOT_NEEDED", False),
        ((V,), {V}, V, "STEP_ALREADY_ACCEPTED", True),
        (ACROSS, set(), S, None, False),
        (ACROSS, set(), R, None, False),
        (ACROSS, {R}, S, None, False),
        (ACROSS, set(), V, "COUNTIES_FIRST", False),
        (ACROSS, {S}, V, "COUNTIES_FIRST", False),
        (ACROSS, {S, R}, V, None, True),
        (ACROSS, {S, R}, S, "STEP_ALREADY_ACCEPTED", False),
    ],
)
def test_step_open_and_completion(
    needed: tuple[MoveStep, ...],
    accepted: set[MoveStep],
    step: MoveStep,
    code: str | None,
    completes: bool,
) -> None:
    problem = check_step_open(step, needed, accepted)
    assert (problem and problem.code) == code
    if problem is None:
        # Giving it completes the move exactly when it was the last one missing.
        assert completes_move(needed, accepted | {step}) is completes
