"""GraphQL types of schools' dropout and absence rates (app/domain/school_rates.py)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import strawberry

from app.domain.school_rates import Rates
from app.enums import SchoolLevel
from app.services.statistics.school_rates import LevelTotal, SchoolRatesReport
from app.store.school_rates import SchoolCounts
from schema.core.enums import register_enums

register_enums()

RATE = "A share from 0 to 1; null when there is nothing to rate (no pupils) or it is suppressed."
TARGET = (
    "The highest dropout rate the school's stage may have (seed 001: 0.006 primary, 0.018 "
    "junior secondary); null when the stage is not on file."
)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


@strawberry.type(description="One school's pupils, dropouts and absences, and its rates.")
class SchoolRates:
    organization_id: strawberry.ID = strawberry.field(
        description="The school's organizationId (as ChildInput.schoolId takes it)."
    )
    name: str
    area_code: str
    level: SchoolLevel | None = strawberry.field(
        description="Primary or junior secondary; null when not on file (no target then)."
    )
    pupils: int = strawberry.field(
        description="Children on file naming the school, in school or dropped out."
    )
    dropped_out: int = strawberry.field(description="Of them, those who dropped out (辍学).")
    absent_pupils: int = strawberry.field(
        description="Of them, those with an unexcused absence day in the period."
    )
    dropout_rate: float | None = strawberry.field(description="droppedOut / pupils. " + RATE)
    absence_rate: float | None = strawberry.field(description="absentPupils / pupils. " + RATE)
    dropout_target: float | None = strawberry.field(description=TARGET)
    target_met: bool | None = strawberry.field(
        description="dropoutRate is at most dropoutTarget; null without a rate or a target."
    )

    @classmethod
    def of(cls, school: SchoolCounts, found: Rates) -> SchoolRates:
        """A school's row."""
        return cls(
            organization_id=strawberry.ID(str(school.id)),
            name=school.name,
            area_code=school.area_code,
            level=school.level,
            pupils=school.counts.pupils,
            dropped_out=school.counts.dropped_out,
            absent_pupils=school.counts.absent,
            dropout_rate=_float(found.dropout_rate),
            absence_rate=_float(found.absence_rate),
            dropout_target=_float(found.dropout_target),
            target_met=found.target_met,
        )


@strawberry.type(
    description="The county's schools of one stage, summed. A null count is suppressed "
    "(small-cell protection, for callers above the county): its name is in `suppressed`."
)
class LevelRates:
    level: SchoolLevel
    pupils: int | None
    dropped_out: int | None
    absent_pupils: int | None
    dropout_rate: float | None = strawberry.field(description="droppedOut / pupils. " + RATE)
    absence_rate: float | None = strawberry.field(description="absentPupils / pupils. " + RATE)
    dropout_target: float | None = strawberry.field(description=TARGET)
    target_met: bool | None = strawberry.field(
        description="dropoutRate is at most dropoutTarget; null without a rate."
    )
    suppressed: list[str] = strawberry.field(description="The counts withheld.")

    @classmethod
    def of(cls, total: LevelTotal) -> LevelRates:
        """A stage's total as the caller may see it."""
        names = {"pupils": "pupils", "dropped_out": "droppedOut", "absent": "absentPupils"}
        return cls(
            level=total.level,
            pupils=total.count("pupils"),
            dropped_out=total.count("dropped_out"),
            absent_pupils=total.count("absent"),
            dropout_rate=_float(total.rates.dropout_rate),
            absence_rate=_float(total.rates.absence_rate),
            dropout_target=_float(total.rates.dropout_target),
            target_met=total.rates.target_met,
            suppressed=sorted(names[name] for name in total.hidden),
        )


@strawberry.type(
    description="Dropout and absence rates of a county's schools (控辍保学) in a period: "
    "from the start of the quarter to the day asked for."
)
class CountySchoolRates:
    area_code: str
    period_start: date
    period_end: date
    schools: list[SchoolRates] = strawberry.field(
        description="The schools the caller may see one by one: every school of the county "
        "for its civil-affairs staff, its own for a school, none for other statistics readers."
    )
    totals: list[LevelRates] = strawberry.field(
        description="The county's primary and junior secondary schools, summed (schools of "
        "unknown stage are in neither); empty for a school."
    )

    @classmethod
    def of(cls, report: SchoolRatesReport) -> CountySchoolRates:
        """The report's GraphQL view."""
        return cls(
            area_code=report.county,
            period_start=report.start,
            period_end=report.end,
            schools=[SchoolRates.of(school, found) for school, found in report.schools],
            totals=[LevelRates.of(total) for total in report.totals],
        )
