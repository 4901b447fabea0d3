"""`areaStatistics`: an area's counts for a quarter, for township level and above."""

from __future__ import annotations

from datetime import date

import strawberry

from app.services.statistics.report import statistics_report
from app.services.statistics.school_rates import school_rates_report
from schema.context import Info
from schema.core.errors import QueryError, day_asked
from schema.statistics.school_rates import CountySchoolRates
from schema.statistics.types import AreaStatistics


@strawberry.type
class StatisticsQuery:
    @strawberry.field(
        description="Statistics of an area within the caller's statistics scope: its own "
        "counts, one row per child area and the quarterly trend. `asOf` (default today) "
        "picks the quarter; a past quarter shows its counts as last computed. Counts from "
        "1 to 4 below the caller's level are suppressed for callers above township level, "
        "except a county's own townships' operational counts (livingAlone, "
        "leftBehindWithoutGuardian, visitsOverdue, casesOverdue), which it supervises. "
        "An `asOf` after today is refused (FUTURE_DATE)."
    )
    async def area_statistics(
        self, info: Info, area_code: str, as_of: date | None = None
    ) -> AreaStatistics:
        day = day_asked(as_of, "asOf")
        report = await info.context.db.report(
            lambda s: statistics_report(s, info.context.scope, area_code, day, on_screen=True)
        )
        if report is None:
            raise QueryError(
                "NOT_FOUND", "no statistics of area {area} for you", {"area": area_code}
            )
        return AreaStatistics(report=report, as_of=day)

    @strawberry.field(
        description="Dropout and absence rates of a county's schools against seed 001's "
        "dropout targets (0.6% primary, 1.8% junior secondary), from the start of the quarter "
        "of `asOf` (default today) to that day: each school for the county's civil-affairs "
        "staff and, its own only, for a school; the county's totals by stage for them and for "
        "other readers of the county's statistics (small counts suppressed above the county). "
        "`areaCode` is a county's 6-digit code. An `asOf` after today is refused (FUTURE_DATE)."
    )
    async def school_rates(
        self, info: Info, area_code: str, as_of: date | None = None
    ) -> CountySchoolRates:
        day = day_asked(as_of, "asOf")
        report = await info.context.db.report(
            lambda s: school_rates_report(s, info.context.scope, area_code, day)
        )
        if report is None:
            raise QueryError(
                "NOT_FOUND", "no school rates of area {area} for you", {"area": area_code}
            )
        return CountySchoolRates.of(report)
