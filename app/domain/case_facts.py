"""The facts a protection case records beyond its stage: what each measure carries (seed 004
§四: a placement's place and dates, a protection order's court and dates, a petition to
revoke guardianship with its court and outcome, the parents' refusal it rests on) and whose
identity as a reporter is protected."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date

from app.domain.validation import Problem, check_day_not_future, check_length, check_required
from app.enums import CaseMeasure, PetitionOutcome, ReportSource

PLACE_MAX = 200
COURT_MAX = 200
# Seed 004 §四: parents who refuse their duty for six months or more (拒不履行监护职责六个月以上)
# may have their guardianship revoked.
REFUSAL_MONTHS = 6

# The GraphQL input (of recordMeasure) that carries each measure's facts.
DETAILS_FIELD = {
    CaseMeasure.PLACEMENT: "placement",
    CaseMeasure.PROTECTION_ORDER: "protectionOrder",
    CaseMeasure.REVOCATION_PETITION: "revocationPetition",
}


@dataclass(frozen=True)
class MeasureFacts:
    """A measure's facts, each measure using its own (None: not given)."""

    place: str | None = None
    place_organization_id: uuid.UUID | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    court: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    filed_on: date | None = None
    outcome: PetitionOutcome | None = None
    refusing_since: date | None = None


def _order(earlier: date | None, later: date | None, field: str) -> Problem | None:
    if earlier is not None and later is not None and later < earlier:
        return Problem("INVALID_DATES", field, "the date is before {minimum}", {"minimum": earlier})
    return None


def measure_fact_problems(
    measure: CaseMeasure, given: CaseMeasure | None, facts: MeasureFacts, today: date
) -> list[Problem]:
    """What is wrong with the facts `given` for a measure (None: no facts given, which is
    allowed): facts of another measure, a fact the measure needs left out, dates out of
    order or, for what has already happened, in the future."""
    if given is None:
        return []
    prefix = DETAILS_FIELD[given]
    if given is not measure:
        return [
            Problem(
                "DETAILS_NOT_FOR_MEASURE", prefix,
                "these details are not those of a {measure}", {"measure": measure},
            )
        ]  # fmt: skip
    found: list[Problem | None] = []
    if measure is CaseMeasure.PLACEMENT:
        if facts.place_organization_id is None:
            found.append(check_required(facts.place, f"{prefix}.place"))
        found += [
            check_length(facts.place, f"{prefix}.place", PLACE_MAX),
            None if facts.starts_on else _required(f"{prefix}.startsOn"),
            _order(facts.starts_on, facts.ends_on, f"{prefix}.endsOn"),
        ]
    elif measure is CaseMeasure.PROTECTION_ORDER:
        found += [
            check_required(facts.court, f"{prefix}.court"),
            check_length(facts.court, f"{prefix}.court", COURT_MAX),
            None if facts.issued_on else _required(f"{prefix}.issuedOn"),
            check_day_not_future(facts.issued_on, f"{prefix}.issuedOn", today),
            _order(facts.issued_on, facts.expires_on, f"{prefix}.expiresOn"),
        ]
    else:
        found += [
            check_required(facts.court, f"{prefix}.court"),
            check_length(facts.court, f"{prefix}.court", COURT_MAX),
            None if facts.filed_on else _required(f"{prefix}.filedOn"),
            check_day_not_future(facts.filed_on, f"{prefix}.filedOn", today),
            check_day_not_future(facts.refusing_since, f"{prefix}.parentsRefusingSince", today),
            _order(facts.refusing_since, facts.filed_on, f"{prefix}.filedOn"),
        ]
    return [problem for problem in found if problem is not None]


def _required(field: str) -> Problem:
    return Problem("REQUIRED", field, "this field is required")


def months_later(day: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day when it is shorter:
    31 August + 6 months is 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def refusal_period_reached(since: date, as_of: date) -> bool:
    """Whether parents refusing their duty since `since` have refused for six months or
    more on `as_of` (the condition seed 004 sets for a petition to revoke guardianship)."""
    return as_of >= months_later(since, REFUSAL_MONTHS)


def reporter_is_protected(source: ReportSource, has_account: bool, has_organization: bool) -> bool:
    """Whether a reporter is a member of the public, whose identity is protected: a report
    from the public or the hotline, or one by a person who is neither staff nor a unit."""
    return source in {ReportSource.PUBLIC, ReportSource.HOTLINE} or not (
        has_account or has_organization
    )
