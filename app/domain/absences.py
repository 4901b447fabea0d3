"""School absence records as schools send them, and the dropout-risk rule (控辍保学).

Schools send rows from spreadsheets and student-information systems: every field arrives as
text or loosely typed, and a bad row must be reported, not fail the whole submission. These
functions turn one raw row into a checked record or a rejection, and decide from a child's
unexcused absence days whether the child is at risk of dropping out. No database here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.idnumber import InvalidIdNumber, normalize_id_number, parse_id_number
from app.i18n import N_, Language, translate

MAX_RECORDS_PER_SUBMISSION = 10_000
MAX_PERIODS_PER_DAY = 12
MAX_REASON_LENGTH = 300
MAX_STUDENT_NUMBER_LENGTH = 32
# A school may send last term's records late, but not years of history or tomorrow's.
OLDEST_ACCEPTED = timedelta(days=366)

_TRUE = frozenset({"true", "1", "yes", "y", "是", "已请假", "请假", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "否", "未请假", "无故", "f", ""})


class Rejection(StrEnum):
    """Why a row of a submission was not recorded."""

    MISSING_STUDENT = "MISSING_STUDENT"
    UNKNOWN_STUDENT = "UNKNOWN_STUDENT"
    NOT_THIS_SCHOOLS_STUDENT = "NOT_THIS_SCHOOLS_STUDENT"
    INVALID_ID_NUMBER = "INVALID_ID_NUMBER"
    ID_NUMBER_MISMATCH = "ID_NUMBER_MISMATCH"
    BAD_DATE = "BAD_DATE"
    INVALID_PERIODS = "INVALID_PERIODS"
    INVALID_EXCUSED = "INVALID_EXCUSED"
    TOO_LONG = "TOO_LONG"
    DUPLICATE_ROW = "DUPLICATE_ROW"


# What the school should fix: templates of app/messages.py, all filled from REJECTION_PARAMS.
REJECTION_MESSAGES = {
    Rejection.MISSING_STUDENT: N_("give a student number or an ID number"),
    Rejection.UNKNOWN_STUDENT: N_("no pupil of this school has this student number or ID number"),
    Rejection.NOT_THIS_SCHOOLS_STUDENT: N_("the child is on file, but not as this school's pupil"),
    Rejection.INVALID_ID_NUMBER: N_("the ID number is not a valid 18-character number"),
    Rejection.ID_NUMBER_MISMATCH: N_(
        "the ID number is not the one on file for this student number"
    ),
    Rejection.BAD_DATE: N_("the date must be YYYY-MM-DD, not in the future, within the last year"),
    Rejection.INVALID_PERIODS: N_("periods missed must be a whole number from 1 to {periods}"),
    Rejection.INVALID_EXCUSED: N_("excused must be true or false (是/否)"),
    Rejection.TOO_LONG: N_(
        "the student number has at most {student_number} characters and the reason at most {reason}"
    ),
    Rejection.DUPLICATE_ROW: N_("the same student and date appear earlier in this submission"),
}
REJECTION_PARAMS = {
    "periods": MAX_PERIODS_PER_DAY,
    "student_number": MAX_STUDENT_NUMBER_LENGTH,
    "reason": MAX_REASON_LENGTH,
}


def rejection_message(reason: Rejection, language: Language | None = None) -> str:
    """Why a row was not recorded, in `language` (default: the request's)."""
    return translate(REJECTION_MESSAGES[reason], REJECTION_PARAMS, language)


@dataclass(frozen=True)
class RawAbsence:
    """One row as a school sent it (JSON or CSV), before any check."""

    student_number: str | None
    id_number: str | None
    date: str | None
    periods: str | int | None
    excused: str | bool | None
    reason: str | None


@dataclass(frozen=True)
class CheckedAbsence:
    """A row whose own fields are valid; it still has to be matched to a child."""

    row: int
    student_number: str | None
    id_number: str | None
    absent_on: date
    periods: int
    excused: bool
    reason: str | None


@dataclass(frozen=True)
class RejectedAbsence:
    """A row that was not recorded, with the reason (row numbers count from 1)."""

    row: int
    student_number: str | None
    date: str | None
    reason: Rejection

    @property
    def message(self) -> str:
        """What the school should fix, in a sentence (in the request's language)."""
        return rejection_message(self.reason)


def _text(value: str | None) -> str | None:
    stripped = value.strip() if value is not None else ""
    return stripped or None


def _periods(value: str | int | None) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = _text(value)
        if text is None:
            # A whole day is the common case; schools often leave the column empty.
            return MAX_PERIODS_PER_DAY
        if not text.isascii() or not text.isdigit():
            return None
        number = int(text)
    return number if 1 <= number <= MAX_PERIODS_PER_DAY else None


def _excused(value: str | bool | None) -> bool | None:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _date(value: str | None, today: date) -> date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return None
    return day if today - OLDEST_ACCEPTED <= day <= today else None


def check_absence(row: int, raw: RawAbsence, today: date) -> CheckedAbsence | RejectedAbsence:
    """Check one row's own fields; matching it to a child is the caller's next step."""
    student_number = _text(raw.student_number)
    id_text = _text(raw.id_number)
    reason = _text(raw.reason)

    def rejected(why: Rejection) -> RejectedAbsence:
        return RejectedAbsence(row=row, student_number=student_number, date=raw.date, reason=why)

    if student_number is None and id_text is None:
        return rejected(Rejection.MISSING_STUDENT)
    if (student_number and len(student_number) > MAX_STUDENT_NUMBER_LENGTH) or (
        reason and len(reason) > MAX_REASON_LENGTH
    ):
        return rejected(Rejection.TOO_LONG)
    id_number = None
    if id_text is not None:
        try:
            parse_id_number(id_text, today)
        except InvalidIdNumber:
            return rejected(Rejection.INVALID_ID_NUMBER)
        id_number = normalize_id_number(id_text)
    absent_on = _date(raw.date, today)
    if absent_on is None:
        return rejected(Rejection.BAD_DATE)
    periods = _periods(raw.periods)
    if periods is None:
        return rejected(Rejection.INVALID_PERIODS)
    excused = _excused(raw.excused)
    if excused is None:
        return rejected(Rejection.INVALID_EXCUSED)
    return CheckedAbsence(
        row=row,
        student_number=student_number,
        id_number=id_number,
        absent_on=absent_on,
        periods=periods,
        excused=excused,
        reason=reason,
    )


def _normal_form(raw: RawAbsence) -> tuple[str | None, ...]:
    """A row's content with the spelling differences of JSON and CSV taken out."""
    periods = _periods(raw.periods)
    excused = _excused(raw.excused)
    return (
        _text(raw.student_number),
        normalize_id_number(raw.id_number) if raw.id_number else None,
        _text(raw.date),
        str(periods) if periods is not None else repr(raw.periods),
        str(excused) if excused is not None else repr(raw.excused),
        _text(raw.reason),
    )


def submission_digest(rows: Sequence[RawAbsence]) -> str:
    """A fingerprint of a submission's content, the same whether it came as JSON or CSV:
    a batch resent under the same id must have the same content."""
    digest = hashlib.sha256()
    for raw in rows:
        digest.update(repr(_normal_form(raw)).encode())
        digest.update(b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class DropoutRule:
    """When unexcused absences put a child at risk of dropping out (configurable).

    At risk: `consecutive_days` school days in a row unexcused, or `days_in_window` unexcused
    days within any `window_days` calendar days. Only absences of the last `window_days`
    count, so a late submission of last term's records does not open cases about the past.
    School days are Monday to Friday: a Friday and the next Monday are consecutive.
    """

    consecutive_days: int = 3
    days_in_window: int = 10
    window_days: int = 30

    def lookback_start(self, today: date) -> date:
        """The first day whose absences count today."""
        return today - timedelta(days=self.window_days - 1)

    def at_risk(self, unexcused_days: Iterable[date], today: date) -> bool:
        """Whether these unexcused absence days (any order, duplicates allowed) trigger."""
        start = self.lookback_start(today)
        days = sorted({d for d in unexcused_days if start <= d <= today})
        run = 0
        previous: date | None = None
        for index, day in enumerate(days):
            run = run + 1 if previous is not None and next_school_day(previous) == day else 1
            if run >= self.consecutive_days:
                return True
            first_in_window = index - self.days_in_window + 1
            if first_in_window >= 0 and (day - days[first_in_window]).days < self.window_days:
                return True
            previous = day
        return False


def next_school_day(day: date) -> date:
    """The school day after `day` (Monday after a Friday or a weekend day)."""
    following = day + timedelta(days=1)
    while following.weekday() >= 5:
        following += timedelta(days=1)
    return following
