"""GB 11643-1999 ID numbers: validation, parsing, masking and generation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.idnumber import (
    IdNumberInfo,
    InvalidIdNumber,
    checksum_char,
    id_number_mismatches,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
)
from app.enums import Gender

TODAY = date(2026, 6, 1)
# A valid number typed with full-width digits (U+FF10-U+FF19), as IMEs sometimes do.
FULL_WIDTH_NUMBER = "".join(chr(ord(c) + 0xFEE0) for c in "420704201011110014")

# Check characters below were computed independently of the code under test.
VALID = [
    # The worked example of GB 11643-1999 itself, with an X check character.
    ("11010519491231002X", IdNumberInfo("110105", date(1949, 12, 31), Gender.FEMALE)),
    ("11010519491231002x", IdNumberInfo("110105", date(1949, 12, 31), Gender.FEMALE)),
    ("42070220120315123X", IdNumberInfo("420702", date(2012, 3, 15), Gender.MALE)),
    ("420703201508080248", IdNumberInfo("420703", date(2015, 8, 8), Gender.FEMALE)),
    ("420704201011110014", IdNumberInfo("420704", date(2010, 11, 11), Gender.MALE)),
    ("420702201602290034", IdNumberInfo("420702", date(2016, 2, 29), Gender.MALE)),
    ("420702199901010514", IdNumberInfo("420702", date(1999, 1, 1), Gender.MALE)),
    ("420702202005310089", IdNumberInfo("420702", date(2020, 5, 31), Gender.FEMALE)),
    ("42070220130716000X", IdNumberInfo("420702", date(2013, 7, 16), Gender.FEMALE)),
    ("420702190012310014", IdNumberInfo("420702", date(1900, 12, 31), Gender.MALE)),
    (" 4207 0420 1011 1100 14 ", IdNumberInfo("420704", date(2010, 11, 11), Gender.MALE)),
]

INVALID = [
    ("", "length"),
    ("42070420101111001", "length"),  # 17 characters
    ("4207042010111100140", "length"),  # 19 characters
    ("42070A201011110014", "characters"),
    ("4207042010111100X4", "characters"),  # X only allowed last
    ("42070420101111001Y", "characters"),
    (FULL_WIDTH_NUMBER, "characters"),
    ("420704201011110015", "checksum"),
    ("11010519491231002Y", "characters"),
    ("110105194912310021", "checksum"),  # should be X
    ("420703201508080240", "checksum"),
    ("420702202302300055", "birth_date"),  # 30 February 2023
    ("420702189912310011", "birth_date"),  # before 1900
    ("440524188001010014", "birth_date"),  # the standard's own 1880 example
    ("420702209901010019", "future_birth_date"),
]


@pytest.mark.parametrize(("raw", "expected"), VALID)
def test_valid_numbers_parse(raw: str, expected: IdNumberInfo) -> None:
    assert parse_id_number(raw, TODAY) == expected
    assert is_valid_id_number(raw, TODAY)


@pytest.mark.parametrize(("raw", "reason"), INVALID)
def test_invalid_numbers_are_rejected_with_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as excinfo:
        parse_id_number(raw, TODAY)
    assert excinfo.value.reason == reason
    assert isinstance(excinfo.value, ValueError)
    assert not is_valid_id_number(raw, TODAY)


def test_future_birth_date_only_checked_when_today_given() -> None:
    assert parse_id_number("420702209901010019").birth_date == date(2099, 1, 1)
    assert is_valid_id_number("420702209901010019", date(2099, 1, 1))
    assert not is_valid_id_number("420702209901010019", date(2098, 12, 31))


def test_checksum_char() -> None:
    assert checksum_char("11010519491231002") == "X"
    assert checksum_char("44052418800101001") == "4"
    assert checksum_char("42070220200531008") == "9"


@pytest.mark.parametrize("bad", ["", "1101051949123100", "110105194912310021", "1101051949123100A"])
def test_checksum_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        checksum_char(bad)


def test_normalize() -> None:
    assert normalize_id_number(" 110105 19491231 002x\t") == "11010519491231002X"


def test_mismatches() -> None:
    number = "420703201508080248"  # female, born 2015-08-08
    assert id_number_mismatches(number, date(2015, 8, 8), Gender.FEMALE) == []
    assert id_number_mismatches(number, date(2015, 8, 9), Gender.FEMALE) == ["birth_date"]
    assert id_number_mismatches(number, date(2015, 8, 8), Gender.MALE) == ["gender"]
    assert id_number_mismatches(number, date(2014, 8, 8), Gender.MALE) == [
        "birth_date",
        "gender",
    ]
    assert id_number_mismatches(number, None, None) == []
    assert id_number_mismatches(number, None, Gender.MALE) == ["gender"]


def test_mismatches_raises_on_invalid_number() -> None:
    with pytest.raises(InvalidIdNumber) as excinfo:
        id_number_mismatches("420703201508080240", date(2015, 8, 8), Gender.FEMALE)
    assert excinfo.value.reason == "checksum"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("420702201203151234", "420702********1234"),
        ("42070220120315123x", "420702********123X"),
        ("", ""),
        ("1", "*"),
        ("12", "**"),
        ("123", "1*3"),
        ("123456", "12**56"),
        ("123456789", "123****89"),
        ("42070220120315123", "420************23"),
        ("4207022012031512345", "420**************45"),
    ],
)
def test_mask(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


def test_make_id_number() -> None:
    assert make_id_number("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert make_id_number("420702", date(2020, 5, 31), 8) == "420702202005310089"
    assert make_id_number("420702", date(2012, 3, 15), 123) == "42070220120315123X"


@pytest.mark.parametrize(
    ("region", "birth", "sequence"),
    [
        ("42070", date(2010, 1, 1), 1),
        ("4207021", date(2010, 1, 1), 1),
        ("42070A", date(2010, 1, 1), 1),
        ("420702", date(1899, 12, 31), 1),
        ("420702", date(2010, 1, 1), -1),
        ("420702", date(2010, 1, 1), 1000),
    ],
)
def test_make_id_number_rejects_bad_input(region: str, birth: date, sequence: int) -> None:
    with pytest.raises(ValueError):
        make_id_number(region, birth, sequence)


@given(
    region=st.from_regex(r"\A[0-9]{6}\Z"),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_make_then_parse_round_trips(region: str, birth: date, sequence: int) -> None:
    number = make_id_number(region, birth, sequence)
    info = parse_id_number(number)
    assert len(number) == 18
    assert info.region_code == region
    assert info.birth_date == birth
    assert info.gender == (Gender.MALE if sequence % 2 else Gender.FEMALE)
