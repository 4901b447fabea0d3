"""The measures of area statistics: one integer per village and quarter each.

Each measure is a column of `area_quarter_statistics` (its `name`), a field of the GraphQL
statistics row (its `field`, breakdowns as `group.key`) and a CSV column (its `label`).
No measure is the sum of others: a published sum next to its parts would reveal a suppressed
part (see app/domain/suppression.py), so there is no "open cases" or "reports" total.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.case_deadlines import STAGE_ORDER
from app.enums import CaseStage, ChildCategory, ReportSource


@dataclass(frozen=True)
class Measure:
    """One count of the statistics."""

    name: str
    field: str
    label: str


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# DE_FACTO_UNSUPPORTED is not counted yet: the rollup (migration 0009) has no column for it.
COUNTED_CATEGORIES = tuple(c for c in ChildCategory if c is not ChildCategory.DE_FACTO_UNSUPPORTED)
CATEGORY_MEASURES = tuple(Measure(c.value, _camel(c.value), c.label) for c in COUNTED_CATEGORIES)
# The emergency path's stages; open dropout cases, whatever their stage, are `dropout_cases`.
OPEN_STAGES = tuple(stage for stage in STAGE_ORDER if stage is not CaseStage.CLOSED)
STAGE_MEASURES = tuple(
    Measure(f"cases_{s.value}", f"openCasesByStage.{s.value}", f"在办个案({s.label})")
    for s in OPEN_STAGES
)
SOURCE_MEASURES = tuple(
    Measure(f"reports_{s.value}", f"reportsBySource.{s.value}", f"本季度报告({s.label})")
    for s in ReportSource
)
CHILDREN = Measure("children", "children", "在册儿童")
VISITED = Measure("visited", "visited", "本季度已走访儿童")
MEASURES: tuple[Measure, ...] = (
    CHILDREN,
    *CATEGORY_MEASURES,
    Measure("key_children", "keyChildren", "重点儿童"),
    Measure("living_alone", "livingAlone", "独居儿童"),
    Measure("without_guardian", "leftBehindWithoutGuardian", "无有效委托监护的留守儿童"),
    VISITED,
    Measure("visits_overdue", "visitsOverdue", "走访逾期儿童"),
    *STAGE_MEASURES,
    Measure("cases_overdue", "casesOverdue", "超期个案"),
    Measure("dropout_cases", "dropoutCases", "辍学风险个案"),
    *SOURCE_MEASURES,
    Measure("absence_days", "absenceDays", "本季度无故缺课(人·天)"),
)
BY_NAME = {m.name: m for m in MEASURES}
# The trend: these counts for the quarter asked for and the ones before it.
TREND_QUARTERS = 8
HEADLINE: tuple[Measure, ...] = tuple(
    BY_NAME[name]
    for name in (
        "children",
        "left_behind",
        "key_children",
        "without_guardian",
        "visited",
        "visits_overdue",
        "cases_overdue",
    )
)
# The counts someone must act on: a child alone, a left-behind child without a guardian, a
# visit or a case late. The county that supervises its townships sees them in full
# (authz/statistics.py, docs/authorization.md).
OPERATIONAL: tuple[Measure, ...] = tuple(
    BY_NAME[name]
    for name in ("living_alone", "without_guardian", "visits_overdue", "cases_overdue")
)
