"""The supervisor's view of staff work and the county's assessment numbers (考核), as pure
rules: what each count is called, which of them count children (and may be withheld as
small cells), and when a director counts as trained (docs/staff.md, "Supervisor's view and
assessment").

Seed 002: the township supervisor (儿童督导员) selects, guides, trains, follows and assesses
the village directors (儿童主任, attachment 2, duty 2); every village names a director
(§三(一)); counties train directors at least once a year and a new one starts work only after
passing (§三(二)); directors visit the children regularly, key children more often
(attachment 3, duty 4); seed 004 asks for a check of every child each quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.staff import refresher_due
from app.enums import Role


@dataclass(frozen=True)
class WorkMeasure:
    """One count of the view: its name in code, in GraphQL and in the exports' headers."""

    name: str
    field: str
    label: str


# Counts of children and their cases: withheld from 1 to 4 for callers above the township.
CHILDREN = WorkMeasure("children", "childrenInFiles", "在册儿童")
KEY_CHILDREN = WorkMeasure("key_children", "keyChildren", "重点儿童")
VISITED = WorkMeasure("visited", "visitedChildren", "本季度已走访儿童")
VISITS_OVERDUE = WorkMeasure("visits_overdue", "visitsOverdue", "走访逾期儿童")
OPEN_CASES = WorkMeasure("open_cases", "openCases", "在办个案")
CASES_OVERDUE = WorkMeasure("cases_overdue", "overdueCases", "超期个案")
CHILD_MEASURES: tuple[WorkMeasure, ...] = (
    CHILDREN,
    KEY_CHILDREN,
    VISITED,
    VISITS_OVERDUE,
    OPEN_CASES,
    CASES_OVERDUE,
)
# Counts of the staff's own work: never withheld (they count people and their visits, not
# children).
VISITS_DONE = WorkMeasure("visits_done", "visitsDone", "本季度走访次数")
VILLAGES = WorkMeasure("villages", "villages", "村(居)数")
VILLAGES_WITH_DIRECTOR = WorkMeasure(
    "villages_with_director", "villagesWithDirector", "已配备儿童主任的村(居)数"
)
DIRECTORS = WorkMeasure("directors", "directors", "儿童主任人数")
TRAINED_DIRECTORS = WorkMeasure("trained_directors", "trainedDirectors", "培训在有效期内的儿童主任")
SUPERVISORS = WorkMeasure("supervisors", "supervisors", "儿童督导员人数")
STAFF_MEASURES: tuple[WorkMeasure, ...] = (
    VILLAGES,
    VILLAGES_WITH_DIRECTOR,
    DIRECTORS,
    TRAINED_DIRECTORS,
    SUPERVISORS,
    VISITS_DONE,
)


def training_current(role: Role, trained_on: date | None, today: date) -> bool:
    """Whether a director or supervisor has passed a training whose yearly refresher is not
    yet due (seed 002: trained at least once a year)."""
    due = refresher_due(role, trained_on)
    return due is not None and today < due


def share(part: int | None, whole: int | None) -> float | None:
    """part / whole; None when either is withheld or there is nothing to divide by."""
    if part is None or not whole:
        return None
    return part / whole
