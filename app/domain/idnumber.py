"""Citizen ID numbers (公民身份号码) as defined by GB 11643-1999: 18 characters.

Layout: 6-digit region code, 8-digit birth date (YYYYMMDD), 3-digit sequence whose last
digit is odd for men and even for women, and a check character (0-9 or X).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.enums import Gender
from app.i18n import translate

InvalidReason = Literal["length", "characters", "checksum", "birth_date", "future_birth_date"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_DIGITS = frozenset("0123456789")
_EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class InvalidIdNumber(ValueError):
    """An ID number that does not follow GB 11643-1999; `reason` says which rule failed,
    `template` and `params` say it to people (a message of app/messages.py)."""

    def __init__(
        self, reason: InvalidReason, template: str, params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(translate(template, params, "en"))
        self.reason: InvalidReason = reason
        self.template = template
        self.params = params


@dataclass(frozen=True)
class IdNumberInfo:
    """What an ID number tells about its holder."""

    region_code: str
    birth_date: date
    gender: Gender


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() also accepts non-ASCII digits such as "²" or Arabic-Indic digits.
    return all(c in _DIGITS for c in text)


def _checksum(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def checksum_char(first17: str) -> str:
    """Return the check character ("0"-"9" or "X") for the first 17 digits of an ID number.

    Raises ValueError if `first17` is not exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not _is_ascii_digits(first17):
        raise ValueError("the first 17 characters of an ID number must be 17 digits")
    return _checksum(first17)


def normalize_id_number(raw: str) -> str:
    """Remove all whitespace and upper-case a trailing x, as people type numbers loosely."""
    return "".join(raw.split()).upper()


def parse_id_number(raw: str, today: date | None = None) -> IdNumberInfo:
    """Check an ID number and return its region code, birth date and gender.

    The number is normalized first. Raises InvalidIdNumber with `reason` "length",
    "characters" (non-digit in the first 17 or a last character other than 0-9/X),
    "checksum", "birth_date" (impossible or before 1900-01-01) or "future_birth_date"
    (after `today`, checked only when `today` is given).
    """
    number = normalize_id_number(raw)
    if len(number) != 18:
        raise InvalidIdNumber(
            "length",
            "invalid ID number: an ID number has 18 characters, not {length}",
            {"length": len(number)},
        )
    first17, last = number[:17], number[17]
    if not _is_ascii_digits(first17):
        raise InvalidIdNumber(
            "characters", "invalid ID number: the first 17 characters must be digits"
        )
    if last not in _DIGITS and last != "X":
        raise InvalidIdNumber(
            "characters", "invalid ID number: the last character must be a digit or X"
        )
    if _checksum(first17) != last:
        raise InvalidIdNumber("checksum", "invalid ID number: the check character does not match")
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            "birth_date", "invalid ID number: the birth date does not exist"
        ) from None
    if birth_date < _EARLIEST_BIRTH_DATE:
        raise InvalidIdNumber("birth_date", "invalid ID number: the birth date is before 1900")
    if today is not None and birth_date > today:
        raise InvalidIdNumber(
            "future_birth_date", "invalid ID number: the birth date is in the future"
        )
    gender = Gender.MALE if int(number[16]) % 2 == 1 else Gender.FEMALE
    return IdNumberInfo(region_code=number[:6], birth_date=birth_date, gender=gender)


def is_valid_id_number(raw: str, today: date | None = None) -> bool:
    """Return whether `raw` is a valid ID number (see parse_id_number for the rules)."""
    try:
        parse_id_number(raw, today)
    except InvalidIdNumber:
        return False
    return True


def id_number_mismatches(
    id_number: str, birth_date: date | None, gender: Gender | None
) -> list[str]:
    """Return the stored fields that disagree with the ID number: "birth_date", "gender".

    A field given as None is not compared. Raises InvalidIdNumber if the number is invalid.
    """
    info = parse_id_number(id_number)
    mismatches: list[str] = []
    if birth_date is not None and birth_date != info.birth_date:
        mismatches.append("birth_date")
    if gender is not None and gender != info.gender:
        mismatches.append("gender")
    return mismatches


def mask_id_number(raw: str) -> str:
    """Hide the personal part of an ID number for display.

    An 18-character number keeps its first 6 and last 4 characters (`420702********1234`).
    Anything else keeps at most its first 3 and last 2, and never more than a third of its
    characters at each end, so short fragments are mostly starred; "" stays "".
    """
    number = normalize_id_number(raw)
    if len(number) == 18:
        return f"{number[:6]}********{number[14:]}"
    head = min(3, len(number) // 3)
    tail = min(2, len(number) // 3)
    return number[:head] + "*" * (len(number) - head - tail) + number[len(number) - tail :]


# 17 digits and a check character, not inside a longer run of digits or letters.
_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def redact_id_numbers(text: str) -> str:
    """`text` with every valid ID number in it masked (for logs and stored query texts)."""

    def mask(match: re.Match[str]) -> str:
        number = match.group()
        valid = _checksum(number[:17]) == number[17].upper()
        return mask_id_number(number) if valid else number

    return _ID_NUMBER_IN_TEXT.sub(mask, text)


def make_id_number(region_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid ID number from a region code, a birth date and a sequence 0-999.

    The sequence's last digit is the gender digit (odd = male), so the caller picks its
    parity. Raises ValueError if the region code is not 6 digits, the birth date is before
    1900-01-01 or the sequence is outside 0-999.
    """
    if len(region_code) != 6 or not _is_ascii_digits(region_code):
        raise ValueError(f"region code must be 6 digits: {region_code!r}")
    if birth_date < _EARLIEST_BIRTH_DATE:
        raise ValueError(f"birth date must be on or after 1900-01-01: {birth_date}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be within 0-999: {sequence}")
    first17 = (
        f"{region_code}{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}"
        f"{sequence:03d}"
    )
    return first17 + _checksum(first17)
