"""Moves of a child's file between villages: which household the child ends up in, and who
must accept a move that a village requests."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from app.domain.validation import Problem
from app.enums import MoveStep

COUNTY_CODE_LENGTH = 6


@dataclass(frozen=True)
class HouseholdAfterMove:
    """Where the child lives after the move: its own household taken along
    (`takes_household`), or `household_id`, a household of the new village."""

    takes_household: bool
    household_id: uuid.UUID | None


def household_after_move(
    *,
    current_household_id: uuid.UUID,
    siblings_staying: int,
    to_household_id: uuid.UUID | None,
    to_household_village: str | None,
    to_village: str,
    field: str = "toHouseholdId",
) -> HouseholdAfterMove | Problem:
    """The household a moving child ends up in.

    A household named in the new village is the child's from now on (joining relatives
    there); otherwise the family goes along, which it can only when no other child of it
    stays behind: a child whose siblings stay needs a household in the new village, or it
    would arrive without one.
    """
    if to_household_id is not None:
        if to_household_village != to_village:
            return Problem(
                "INVALID_HOUSEHOLD", field, "the household is not in the village moved to"
            )
        if to_household_id == current_household_id:
            return HouseholdAfterMove(takes_household=True, household_id=current_household_id)
        return HouseholdAfterMove(takes_household=False, household_id=to_household_id)
    if siblings_staying:
        return Problem(
            "HOUSEHOLD_REQUIRED",
            field,
            "a sibling stays behind: name the child's household in the new village",
        )
    return HouseholdAfterMove(takes_household=True, household_id=current_household_id)


def same_county(from_village: str, to_village: str) -> bool:
    """Whether two villages are in one county."""
    return from_village[:COUNTY_CODE_LENGTH] == to_village[:COUNTY_CODE_LENGTH]


def acceptance_steps(from_village: str, to_village: str) -> tuple[MoveStep, ...]:
    """The acceptances a move needs, in order: the receiving village (its director or
    township) always, last; across counties first both counties' civil-affairs bureaus."""
    if same_county(from_village, to_village):
        return (MoveStep.RECEIVING_VILLAGE,)
    return (MoveStep.SENDING_COUNTY, MoveStep.RECEIVING_COUNTY, MoveStep.RECEIVING_VILLAGE)


def check_step_open(
    step: MoveStep, needed: tuple[MoveStep, ...], accepted: Collection[MoveStep]
) -> Problem | None:
    """Whether `step` may be accepted now: one the move needs, not yet taken, and for the
    receiving village only after the counties (its acceptance is the one that moves the
    file, so it comes last)."""
    if step not in needed:
        return Problem("STEP_NOT_NEEDED", "id", "this move does not need that acceptance")
    if step in accepted:
        return Problem("STEP_ALREADY_ACCEPTED", "id", "that acceptance is already given")
    if step is MoveStep.RECEIVING_VILLAGE and any(
        s not in accepted for s in needed if s is not MoveStep.RECEIVING_VILLAGE
    ):
        return Problem("COUNTIES_FIRST", "id", "both counties accept before the receiving village")
    return None


def completes_move(needed: tuple[MoveStep, ...], accepted: Collection[MoveStep]) -> bool:
    """Whether every acceptance the move needs is given (then the file moves)."""
    return all(s in accepted for s in needed)
