"""The facts of a case: a measure's details, the parents' six months of refusal, the
protected reporter (app/domain/case_facts.py)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from app.domain.case_facts import (
    MeasureFacts,
    measure_fact_problems,
    months_later,
    refusal_period_reached,
    reporter_is_protected,
)
from app.enums import CaseMeasure, PetitionOutcome, ReportSource

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("since", "as_of", "reached"),
    [
        (date(2026, 5, 23), date(2026, 11, 23), True),  # six months to the day
        (date(2026, 5, 24), date(2026, 11, 23), False),  # a day short
        (date(2026, 1, 1), date(2026, 11, 23), True),
        (date(2026, 11, 23), date(2026, 11, 23), False),
        (date(2026, 8, 31), date(2027, 2, 28), True),  # no 31 February: its last day
        (date(2026, 8, 31), date(2027, 2, 27), False),
        (date(2027, 8, 31), date(2028, 2, 29), True),  # a leap year's
        (date(2026, 7, 15), date(2027, 1, 15), True),  # across the new year
        (date(2026, 7, 15), date(2027, 1, 14), False),
    ],
)
def test_the_refusal_period_is_six_calendar_months(since: date, as_of: date, reached: bool) -> None:
    assert refusal_period_reached(since, as_of) is reached


@pytest.mark.parametrize(
    ("day", "months", "later"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 6, 30), 6, date(2026, 12, 30)),
        (date(2026, 3, 31), 11, date(2027, 2, 28)),
    ],
)
def test_months_later(day: date, months: int, later: date) -> None:
    assert months_later(day, months) == later


PLACE = uuid.uuid4()
NOV = date(2026, 11, 1)
DEC = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("measure", "given", "facts", "expected"),
    [
        # No facts given: allowed, whatever the measure.
        (CaseMeasure.PLACEMENT, None, MeasureFacts(), []),
        (CaseMeasure.ADMONITION, None, MeasureFacts(), []),
        # A placement: where (in words or an organization), from, until after from.
        (CaseMeasure.PLACEMENT, CaseMeasure.PLACEMENT,
         MeasureFacts(place="姑姑家", starts_on=NOV, ends_on=DEC), []),
        (CaseMeasure.PLACEMENT, CaseMeasure.PLACEMENT,
         MeasureFacts(place_organization_id=PLACE, starts_on=DEC), []),
        (CaseMeasure.PLACEMENT, CaseMeasure.PLACEMENT, MeasureFacts(),
         [("REQUIRED", "placement.place"), ("REQUIRED", "placement.startsOn")]),
        (CaseMeasure.PLACEMENT, CaseMeasure.PLACEMENT,
         MeasureFacts(place="x" * 201, starts_on=DEC, ends_on=NOV),
         [("TOO_LONG", "placement.place"), ("INVALID_DATES", "placement.endsOn")]),
        # A protection order: court, issued (not in the future), expiring after.
        (CaseMeasure.PROTECTION_ORDER, CaseMeasure.PROTECTION_ORDER,
         MeasureFacts(court="法院", issued_on=NOV, expires_on=DEC), []),
        (CaseMeasure.PROTECTION_ORDER, CaseMeasure.PROTECTION_ORDER,
         MeasureFacts(court="", issued_on=DEC),
         [("REQUIRED", "protectionOrder.court"), ("FUTURE_DATE", "protectionOrder.issuedOn")]),
        (CaseMeasure.PROTECTION_ORDER, CaseMeasure.PROTECTION_ORDER,
         MeasureFacts(court="法院", expires_on=DEC), [("REQUIRED", "protectionOrder.issuedOn")]),
        (CaseMeasure.PROTECTION_ORDER, CaseMeasure.PROTECTION_ORDER,
         MeasureFacts(court="法院", issued_on=NOV, expires_on=date(2026, 10, 31)),
         [("INVALID_DATES", "protectionOrder.expiresOn")]),
        # A petition: court, filed (not in the future), the refusal before the filing.
        (CaseMeasure.REVOCATION_PETITION, CaseMeasure.REVOCATION_PETITION,
         MeasureFacts(court="法院", filed_on=NOV, outcome=PetitionOutcome.GRANTED,
                      refusing_since=date(2026, 3, 1)), []),
        (CaseMeasure.REVOCATION_PETITION, CaseMeasure.REVOCATION_PETITION,
         MeasureFacts(court="法院", filed_on=NOV, refusing_since=DEC),
         [("FUTURE_DATE", "revocationPetition.parentsRefusingSince"),
          ("INVALID_DATES", "revocationPetition.filedOn")]),
        (CaseMeasure.REVOCATION_PETITION, CaseMeasure.REVOCATION_PETITION, MeasureFacts(),
         [("REQUIRED", "revocationPetition.court"), ("REQUIRED", "revocationPetition.filedOn")]),
        # Facts of another measure than the one recorded.
        (CaseMeasure.WARNING_LETTER, CaseMeasure.PLACEMENT, MeasureFacts(place="x"),
         [("DETAILS_NOT_FOR_MEASURE", "placement")]),
        (CaseMeasure.PLACEMENT, CaseMeasure.PROTECTION_ORDER, MeasureFacts(court="法院"),
         [("DETAILS_NOT_FOR_MEASURE", "protectionOrder")]),
    ],
)  # fmt: skip
def test_measure_facts(
    measure: CaseMeasure,
    given: CaseMeasure | None,
    facts: MeasureFacts,
    expected: list[tuple[str, str]],
) -> None:
    found = measure_fact_problems(measure, given, facts, TODAY)
    assert [(p.code, p.field) for p in found] == expected


@pytest.mark.parametrize(
    ("source", "has_account", "has_organization", "protected"),
    [
        (ReportSource.SCHOOL, True, True, False),
        (ReportSource.POLICE, True, True, False),
        (ReportSource.VILLAGE, True, False, False),
        (ReportSource.NGO, False, True, False),  # an NGO's key: a unit
        (ReportSource.PUBLIC, True, True, True),  # staff passing on a neighbour's report
        (ReportSource.HOTLINE, False, False, True),
        (ReportSource.VILLAGE, False, False, True),  # a person by name only
    ],
)
def test_a_member_of_the_public_is_protected(
    source: ReportSource, has_account: bool, has_organization: bool, protected: bool
) -> None:
    assert reporter_is_protected(source, has_account, has_organization) is protected
