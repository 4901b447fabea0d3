"""The supervisor's view of staff work and the county's assessment numbers (考核), as a
caller may see them: authorized, counted and protected (a read that composes authz, store
and domain, as `school_rates` does). GraphQL (`staffWork`) and the exports publish this
report, so they publish the same numbers, but the overdue counts a county sees in full on
screen only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.quarters import add_quarters, quarter_start
from app.domain.staff import refresher_due, training_owed
from app.domain.staff_work import CHILD_MEASURES, share, training_current
from app.domain.suppression import AreaTable, protect_chain
from app.enums import AreaLevel, Role
from app.models import Area
from app.store.staff_work import PersonWork, VillageCounts, staff_work, village_counts
from authz.scope import Scope
from authz.staff_work import COUNTY_LENGTH, TOWNSHIP_LENGTH, staff_work_access

_CHILD_NAMES = tuple(m.name for m in CHILD_MEASURES)


@dataclass(frozen=True)
class WorkCounts:
    """Counts by measure name (app/domain/staff_work.py) with the withheld ones named."""

    values: Mapping[str, int]
    hidden: frozenset[str] = frozenset()

    def count(self, name: str) -> int | None:
        """A published count, None when it is withheld."""
        return None if name in self.hidden else self.values.get(name, 0)

    def share(self, part: str, whole: str) -> float | None:
        """part / whole, None when either is withheld or the whole is zero."""
        return share(self.count(part), self.count(whole))


@dataclass(frozen=True)
class DirectorWork:
    """One village director in post: who, where, trained when, and their village's and
    their own counts."""

    person: PersonWork
    village_name: str
    refresher_due: date | None
    training_owed: bool
    counts: WorkCounts


@dataclass(frozen=True)
class AreaWork:
    """A township's or county's counts: its villages' children and cases summed, its staff,
    and its directors' latest activity."""

    code: str
    name: str
    counts: WorkCounts
    townships: int
    townships_with_supervisor: int
    last_activity_at: datetime | None


@dataclass(frozen=True)
class StaffWorkReport:
    """The area (a township or a county), the quarter, and its rows: per director for a
    township, per township for a county."""

    area: str
    name: str
    level: AreaLevel
    quarter: date
    quarter_end: date
    total: AreaWork
    directors: list[DirectorWork] = field(default_factory=list)
    townships: list[AreaWork] = field(default_factory=list)


def _summed(
    villages: Iterable[VillageCounts], people: Iterable[PersonWork], today: date
) -> dict[str, int]:
    villages, people = list(villages), list(people)
    directors = [p for p in people if p.role is Role.VILLAGE_DIRECTOR]
    posted = {p.area_code for p in directors}
    counts = {name: sum(v.counts[name] for v in villages) for name in _CHILD_NAMES}
    counts.update(
        villages=len(villages),
        villages_with_director=sum(1 for v in villages if v.code in posted),
        directors=len(directors),
        trained_directors=sum(
            1 for p in directors if training_current(p.role, p.trained_on, today)
        ),
        supervisors=sum(1 for p in people if p.role is Role.TOWNSHIP_SUPERVISOR),
        visits_done=sum(p.visits_done for p in directors),
    )
    return counts


def _latest(people: Iterable[PersonWork]) -> datetime | None:
    moments = [p.last_activity_at for p in people if p.role is Role.VILLAGE_DIRECTOR]
    found = [m for m in moments if m is not None]
    return max(found) if found else None


async def _names(session: AsyncSession, codes: Iterable[str]) -> dict[str, str]:
    rows = await session.execute(
        select(Area.code, Area.name).where(Area.code.in_(sorted(set(codes))))
    )
    return {code: name for code, name in rows}


def _area_work(
    code: str,
    name: str,
    counts: WorkCounts,
    townships: set[str],
    people: list[PersonWork],
) -> AreaWork:
    supervised = {
        p.area_code[:TOWNSHIP_LENGTH] for p in people if p.role is Role.TOWNSHIP_SUPERVISOR
    }
    return AreaWork(
        code,
        name,
        counts,
        townships=len(townships),
        townships_with_supervisor=len(supervised & townships),
        last_activity_at=_latest(people),
    )


def _director(
    person: PersonWork, village: VillageCounts, hidden: frozenset[str], today: date
) -> DirectorWork:
    return DirectorWork(
        person=person,
        village_name=village.name,
        refresher_due=refresher_due(person.role, person.trained_on),
        training_owed=training_owed(person.role, person.trained_on, today),
        counts=WorkCounts({**village.counts, "visits_done": person.visits_done}, hidden),
    )


async def staff_work_report(
    session: AsyncSession, scope: Scope, area_code: str, day: date, *, on_screen: bool = False
) -> StaffWorkReport | None:
    """The staff work of `area_code` (a township or a county) in the quarter of `day`; None
    when the caller may not read it or there is no such area (the two look alike).

    Visits done and children visited count the quarter; the other counts are as of now.
    Three statements whatever the size of the area: villages, people, area names.
    """
    access = staff_work_access(scope, area_code, on_screen=on_screen)
    if access is None:
        return None
    now = clock.now()
    today = clock.local_day(now)
    start = quarter_start(day)
    end = add_quarters(start, 1)
    period = (clock.start_of_day(start), clock.start_of_day(end))
    villages = await village_counts(session, access.top, *period, today, now)
    people = await staff_work(session, access.top, *period, today)
    by_township: dict[str, list[VillageCounts]] = defaultdict(list)
    for village in villages:
        by_township[village.township].append(village)
    staff_of: dict[str, list[PersonWork]] = defaultdict(list)
    for person in people:
        staff_of[person.area_code[:TOWNSHIP_LENGTH]].append(person)
    names = await _names(session, [access.top, area_code, *by_township])
    if area_code not in names:
        return None
    # The table the caller reads from: the county's (a row per township) or the township's
    # (its one row is itself). Small counts of children are protected as areaStatistics
    # protects them, so a township's totals here are the numbers of its county's row.
    townships = sorted(by_township) if len(access.top) == COUNTY_LENGTH else [access.top]
    rows = {code: _summed(by_township[code], staff_of[code], today) for code in townships}
    total = _summed(villages, people, today)
    hidden = protect_chain(
        [AreaTable(access.top, total, rows)],
        _CHILD_NAMES,
        primary=access.suppress,
        published=[access.published],
    )[0]
    quarter_end = end - timedelta(days=1)
    if len(area_code) == COUNTY_LENGTH:
        return StaffWorkReport(
            area=area_code,
            name=names[area_code],
            level=AreaLevel.COUNTY,
            quarter=start,
            quarter_end=quarter_end,
            total=_area_work(
                area_code, names[area_code], WorkCounts(total, hidden.total), set(townships), people
            ),
            townships=[
                _area_work(
                    code,
                    names.get(code, code),
                    WorkCounts(rows[code], hidden.rows[code]),
                    {code},
                    staff_of[code],
                )
                for code in townships
            ],
        )
    group = staff_of[area_code]
    if area_code == access.top:
        own = WorkCounts(total, hidden.total)
    else:  # the county's row of the township
        own = (
            WorkCounts(rows[area_code], hidden.rows[area_code])
            if area_code in rows
            else (WorkCounts(_summed([], group, today)))
        )
    # A village's counts of children are not published above the township (as the statistics
    # publish no village rows to a county): withheld on each director's row for such callers.
    village_hidden = frozenset(_CHILD_NAMES) if access.suppress else frozenset()
    village_of = {v.code: v for v in by_township.get(area_code, [])}
    return StaffWorkReport(
        area=area_code,
        name=names[area_code],
        level=AreaLevel.TOWNSHIP,
        quarter=start,
        quarter_end=quarter_end,
        total=_area_work(area_code, names[area_code], own, {area_code}, group),
        directors=[
            _director(person, village_of[person.area_code], village_hidden, today)
            for person in group
            if person.role is Role.VILLAGE_DIRECTOR and person.area_code in village_of
        ],
    )
