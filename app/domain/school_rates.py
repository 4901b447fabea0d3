"""Dropout and absence rates of schools (控辍保学), against the targets of seed 001.

Seed 001 (the Ezhou plan, 落实学校教管责任) holds compulsory schooling to dropout rates of at
most 0.6% in primary schools and 1.8% in junior secondary schools. The counts come from the
children's files (app/store/school_rates.py); here they become rates, a total and whether
the target is met. No database here.

- A school's pupils (its roll): children on file whose file names the school and who are in
  school or dropped out (`school_status`).
- Dropout rate: the pupils who dropped out / the pupils.
- Absence rate: the pupils with at least one unexcused absence day in the period (the
  school's absence records; excused days, 请假, do not count) / the pupils.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from app.enums import SchoolLevel

# The highest dropout rate each stage of schooling may have (seed 001: 0.6%, 1.8%).
DROPOUT_TARGETS: Mapping[SchoolLevel, Fraction] = {
    SchoolLevel.PRIMARY: Fraction(6, 1000),
    SchoolLevel.JUNIOR_SECONDARY: Fraction(18, 1000),
}


@dataclass(frozen=True)
class PupilCounts:
    """A school's (or several schools') pupils, those who dropped out, those absent."""

    pupils: int = 0
    dropped_out: int = 0
    absent: int = 0

    def __add__(self, other: PupilCounts) -> PupilCounts:
        return PupilCounts(
            self.pupils + other.pupils,
            self.dropped_out + other.dropped_out,
            self.absent + other.absent,
        )


@dataclass(frozen=True)
class Rates:
    """Rates of a school or a total: None where there are no pupils (nothing to rate), and
    the target and whether it is met None where the stage of schooling is unknown."""

    dropout_rate: Fraction | None
    absence_rate: Fraction | None
    dropout_target: Fraction | None
    target_met: bool | None


def rate(part: int, whole: int) -> Fraction | None:
    """part / whole, None for a whole of zero."""
    return Fraction(part, whole) if whole else None


def rates(counts: PupilCounts, level: SchoolLevel | None) -> Rates:
    """The rates of `counts`, held to the dropout target of `level`: met when the dropout
    rate is at most the target (控制在…以内)."""
    dropout = rate(counts.dropped_out, counts.pupils)
    target = DROPOUT_TARGETS.get(level) if level is not None else None
    met = None if dropout is None or target is None else dropout <= target
    return Rates(dropout, rate(counts.absent, counts.pupils), target, met)


def totals(
    schools: Iterable[tuple[SchoolLevel | None, PupilCounts]],
) -> dict[SchoolLevel, PupilCounts]:
    """The counts of the schools of each stage of schooling, summed (every stage present,
    at zero when it has no school); schools of unknown stage are in no total."""
    summed = dict.fromkeys(SchoolLevel, PupilCounts())
    for level, counts in schools:
        if level is not None:
            summed[level] += counts
    return summed
