"""Dropout and absence rates against seed 001's targets (0.6% primary, 1.8% junior)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.domain.school_rates import PupilCounts, rate, rates, totals
from app.enums import SchoolLevel

PRIMARY, JUNIOR = SchoolLevel.PRIMARY, SchoolLevel.JUNIOR_SECONDARY
P, J = Fraction(6, 1000), Fraction(18, 1000)  # the targets


@pytest.mark.parametrize(
    ("counts", "level", "dropout", "absence", "target", "met"),
    [
        # 3 of 500 is exactly 0.6%: at the target is within it.
        (PupilCounts(500, 3, 40), PRIMARY, Fraction(3, 500), Fraction(40, 500), P, True),
        (PupilCounts(500, 4, 0), PRIMARY, Fraction(4, 500), Fraction(0), P, False),
        # 1.8% for junior secondary: 9 of 500 is met, 10 is not.
        (PupilCounts(500, 9, 1), JUNIOR, Fraction(9, 500), Fraction(1, 500), J, True),
        (PupilCounts(500, 10, 1), JUNIOR, Fraction(10, 500), Fraction(1, 500), J, False),
        # Of unknown stage: rated, but held to no target.
        (PupilCounts(200, 5, 7), None, Fraction(5, 200), Fraction(7, 200), None, None),
        # No pupils: nothing to rate, nothing met or missed.
        (PupilCounts(0, 0, 0), PRIMARY, None, None, P, None),
    ],
)  # fmt: skip
def test_rates_and_targets(
    counts: PupilCounts,
    level: SchoolLevel | None,
    dropout: Fraction | None,
    absence: Fraction | None,
    target: Fraction | None,
    met: bool | None,
) -> None:
    found = rates(counts, level)
    assert (found.dropout_rate, found.absence_rate) == (dropout, absence)
    assert (found.dropout_target, found.target_met) == (target, met)


def test_a_rate_of_nothing_is_none() -> None:
    assert rate(0, 0) is None and rate(0, 3) == 0 and rate(1, 3) == Fraction(1, 3)


def test_totals_are_by_stage_and_leave_out_unknown_stages() -> None:
    found = totals(
        [
            (PRIMARY, PupilCounts(300, 1, 10)),
            (PRIMARY, PupilCounts(200, 2, 5)),
            (JUNIOR, PupilCounts(400, 8, 20)),
            (None, PupilCounts(90, 9, 9)),
        ]
    )
    assert found == {PRIMARY: PupilCounts(500, 3, 15), JUNIOR: PupilCounts(400, 8, 20)}
    assert totals([]) == {PRIMARY: PupilCounts(), JUNIOR: PupilCounts()}
