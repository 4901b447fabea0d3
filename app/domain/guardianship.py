"""Entrusted guardianship (委托监护, seed 001): who may be entrusted, when an entrustment may be
confirmed, and which entry may be corrected rather than ended."""

from __future__ import annotations

from datetime import date

from app.domain.classification import ADULT_AGE, age_on
from app.domain.idnumber import InvalidIdNumber, parse_id_number
from app.domain.validation import Problem
from app.enums import GuardianCapacity

CORRECTS_ID_FIELD = "correctsId"


def check_guardian_adult(id_number: str | None, field: str, today: date) -> Problem | None:
    """An entrusted guardian is an adult (seed 001: a capable adult), as far as the ID number
    tells: without one, or with an invalid one (check_id_number reports it), this passes."""
    if not id_number:
        return None
    try:
        birth_date = parse_id_number(id_number, today).birth_date
    except InvalidIdNumber:
        return None
    if age_on(birth_date, today) < ADULT_AGE:
        return Problem("GUARDIAN_NOT_ADULT", field, "an entrusted guardian must be 18 or older")
    return None


def check_confirmable(capacity: GuardianCapacity) -> Problem | None:
    """The village confirms an entrustment to a guardian it has assessed capable: an
    unassessed guardian is assessed first, an incapable one replaced (seed 001)."""
    if capacity is GuardianCapacity.UNASSESSED:
        return Problem(
            "GUARDIAN_NOT_ASSESSED", "id", "assess the guardian's capacity before confirming"
        )
    if capacity is GuardianCapacity.INCAPABLE:
        return Problem(
            "GUARDIAN_INCAPABLE", "id", "a guardian assessed incapable cannot be confirmed"
        )
    return None


def check_correctable(recorded_on: date, today: date) -> Problem | None:
    """An entry made by mistake may be replaced as if it had never been made on the day it
    was recorded; after that it is history, and a guardianship that was wrong is ended."""
    if recorded_on != today:
        return Problem(
            "NOT_CORRECTABLE",
            CORRECTS_ID_FIELD,
            "only a guardianship recorded today can be corrected: end it instead",
        )
    return None


def check_starts_after(previous_starts_on: date, starts_on: date) -> Problem | None:
    """A guardianship that takes over from another starts on or after the other's start."""
    if starts_on < previous_starts_on:
        return Problem("INVALID_DATE", "startsOn", "the guardianship before this one started later")
    return None
