"""Keeping the statistics rollup current: every commit refreshes the villages it wrote to.

The hook is on `StatisticsSession`, the session class of every session that writes (the
composition roots pass it to their session factories: app/web, app/cli), so no
service has to remember it: rows of the models below that a transaction adds, changes or
deletes (and both villages of a move) are collected at each flush, and just before the
commit one call of the database function `shouhu_refresh_statistics` (migrations 0009 and
0010) recomputes the current quarter of those villages in the same transaction. A set-based
write inside a transaction names its villages with `mark_villages_written`; bulk loads
refresh explicitly with `refresh_statistics`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from app import clock
from app.models import (
    AbsenceRecord,
    Case,
    Child,
    ChildMove,
    Guardianship,
    Household,
    Parent,
    Visit,
)
from app.services.search_keys import SearchKeysSession

# Models whose rows change a measure (parents and households through the derived categories).
TRACKED: tuple[type[Any], ...] = (
    AbsenceRecord,
    Case,
    Child,
    ChildMove,
    Guardianship,
    Household,
    Parent,
    Visit,
)
_VILLAGES = "shouhu.statistics_villages"
_REFRESH = text("SELECT shouhu_refresh_statistics(:villages, :today, :now)")


def _codes(obj: Any) -> set[str]:
    """The villages a written row counts in, before and after the write."""
    codes = {obj.area_code, *inspect(obj).attrs.area_code.history.deleted}
    if isinstance(obj, ChildMove):
        codes.add(obj.from_area_code)
    return {code for code in codes if code}


class StatisticsSession(SearchKeysSession):
    """A session whose commits refresh the statistics of the villages they wrote to (and,
    as every session that writes, keep the search keys current)."""


@event.listens_for(StatisticsSession, "before_flush")
def _collect(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    written: set[str] = session.info.setdefault(_VILLAGES, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, TRACKED):
            written |= _codes(obj)


def mark_villages_written(session: Session | AsyncSession, villages: Iterable[str]) -> None:
    """Villages a set-based write (a statement on a table, not ORM rows) changed in this
    transaction: they are refreshed at its commit with the rest."""
    written: set[str] = session.info.setdefault(_VILLAGES, set())
    written.update(code for code in villages if code)


@event.listens_for(StatisticsSession, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    session.flush()  # the last changes are collected by the flush
    villages = session.info.pop(_VILLAGES, None)
    if villages:
        session.connection().execute(_REFRESH, _arguments(villages, clock.now()))


@event.listens_for(StatisticsSession, "after_rollback")
def _forget(session: Session, *args: object) -> None:
    session.info.pop(_VILLAGES, None)


def _arguments(villages: Iterable[str] | None, now: datetime) -> dict[str, object]:
    return {
        "villages": None if villages is None else sorted(set(villages)),
        "today": clock.local_day(now),
        "now": now,
    }


async def refresh_statistics(
    conn: AsyncConnection, villages: Iterable[str] | None, now: datetime
) -> int:
    """Recompute the quarter of `now` for these villages (every village with data when None),
    with cases overdue as of `now`; the number of rollup rows written."""
    return int(await conn.scalar(_REFRESH, _arguments(villages, now)) or 0)
