"""The service's one clock: what "now" and "today" are, in the service's time zone.

Every rule, seed, refresh, export and test takes the time from here. "Today" is the local
day of the service's time zone (`SHOUHU_TIMEZONE`, Asia/Shanghai by default), never the
server's: between 16:00 and 24:00 UTC a server running on UTC is a day behind a county
office in China.

Tests pin the clock: in process with time-machine (which moves `datetime.now` and
`time.time`), and in a `shouhu` subprocess with `SHOUHU_NOW`, the moment the clock starts
from (it then runs on from there; development and tests only, production refuses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass
class _Clock:
    zone: ZoneInfo
    # How far the pinned clock is from the real one (zero unless SHOUHU_NOW is set).
    offset: timedelta


_clock = _Clock(ZoneInfo(DEFAULT_TIMEZONE), timedelta(0))


def configure(timezone: str = DEFAULT_TIMEZONE, pinned: datetime | None = None) -> None:
    """Set the time zone, and pin the clock to start at `pinned` (tests and demos only)."""
    _clock.zone = ZoneInfo(timezone)
    _clock.offset = timedelta(0) if pinned is None else pinned - datetime.now(UTC)


def zone() -> ZoneInfo:
    """The service's time zone."""
    return _clock.zone


def now() -> datetime:
    """The current moment, aware, in the service's time zone."""
    return datetime.now(_clock.zone) + _clock.offset


def today() -> date:
    """The service's local day."""
    return now().date()


def local_day(moment: datetime) -> date:
    """The local day (in the service's time zone) of an aware moment."""
    return moment.astimezone(_clock.zone).date()


def start_of_day(day: date) -> datetime:
    """Local midnight at the start of `day`, aware."""
    return datetime.combine(day, time(0), tzinfo=_clock.zone)
