"""Search keys and queries: normalization, pinyin with surnames, ranking (app/domain/search.py)."""

from __future__ import annotations

import pytest

from app.domain.search import (
    Kind,
    Rank,
    Wanted,
    best_rank,
    identifier_keys,
    name_keys,
    name_syllables,
    normalize,
    wanted,
)


def secret(value: str) -> str:
    """A stand-in for the keyed fingerprint: visibly not the value."""
    return f"H({value})"


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("王曉明", "王晓明"),
        (" 王 晓明 ", "王晓明"),
        ("ＷＸＭ", "wxm"),
        ("138-0000 1234", "13800001234"),
        ("XS2024-0917", "xs20240917"),
        ("歐陽", "欧阳"),
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert normalize(text) == normalized


@pytest.mark.parametrize(
    ("name", "syllables"),
    [
        ("王晓明", ["wang", "xiao", "ming"]),
        ("曾小贤", ["zeng", "xiao", "xian"]),
        ("单雄信", ["shan", "xiong", "xin"]),
        ("解缙", ["xie", "jin"]),
        ("仇英", ["qiu", "ying"]),
        ("区丽", ["ou", "li"]),
        ("朴正", ["piao", "zheng"]),
        ("查良镛", ["zha", "liang", "yong"]),
        ("尉迟恭", ["yu", "chi", "gong"]),
        ("欧阳修", ["ou", "yang", "xiu"]),
        ("曾", ["ceng"]),  # a lone character is no surname
    ],
)
def test_surnames_are_read_as_surnames(name: str, syllables: list[str]) -> None:
    assert name_syllables(name) == syllables


@pytest.mark.parametrize(
    ("name", "query", "rank"),
    [
        ("王晓明", "王晓明", Rank.EXACT),
        ("王晓明", "王曉明", Rank.EXACT),
        ("王晓明", "王晓", Rank.NAME_PREFIX),
        ("王晓明", "wangxiaoming", Rank.PINYIN),
        ("王晓明", "Wang", Rank.PINYIN_PREFIX),
        ("王晓明", "wxm", Rank.INITIALS),
        ("王晓明", "WX", Rank.INITIALS_PREFIX),
        ("王晓明", "晓明", Rank.NAME_PART),
        ("王晓明", "曉", Rank.NAME_PART),
        ("王晓明", "xiaoming", Rank.PINYIN_PART),
        ("王晓明", "xm", Rank.PINYIN_PART),
        ("王晓明", "angxiao", None),  # inside a syllable: no
        ("王晓明", "王明", None),
        ("曾小贤", "cengxiaoxian", None),
        ("单雄信", "shanxiongxin", Rank.PINYIN),
        ("单雄信", "sxx", Rank.INITIALS),
    ],
)
def test_names_match_with_their_rank(name: str, query: str, rank: Rank | None) -> None:
    assert best_rank(name_keys(name), wanted(query, secret=secret)) == rank


ID_NUMBER = "42070220160520951X"


@pytest.mark.parametrize(
    ("query", "rank"),
    [
        (ID_NUMBER, Rank.EXACT),
        (ID_NUMBER.lower(), Rank.EXACT),
        ("20951x", Rank.SUFFIX),
        ("0951X", Rank.SUFFIX),
        ("951X", Rank.SUFFIX),
        ("51X", None),  # fewer than 4: too many would match
        ("13700001234", Rank.EXACT),
        ("1234", Rank.SUFFIX),
        ("001234", Rank.SUFFIX),
        ("0000001234", None),  # a phone is found whole or by its last digits
        ("S-2024-17", Rank.EXACT),
        ("s202417", Rank.EXACT),
    ],
)
def test_identifiers_match_whole_or_by_their_last_digits(query: str, rank: Rank | None) -> None:
    keys = identifier_keys(
        student_number="S2024-17", phones=["137-0000-1234", None], id_number=ID_NUMBER,
        secret=secret,
    )  # fmt: skip
    assert best_rank(keys, wanted(query, secret=secret)) == rank


def test_id_numbers_are_kept_only_as_fingerprints() -> None:
    keys = identifier_keys(id_number=ID_NUMBER, secret=secret)
    number = ID_NUMBER.lower()
    assert sorted(keys) == sorted([f"d=H({number})"] + [f"d$H({number[-n:]})" for n in (4, 5, 6)])
    # A query of a whole ID number looks for its fingerprint alone, not for its digits.
    assert wanted(ID_NUMBER, secret=secret) == [
        Wanted(f"d=H({number})", Rank.EXACT, Kind.ID_NUMBER)
    ]


@pytest.mark.parametrize("query", ["", "   ", "王" * 41])
def test_empty_or_overlong_queries_look_for_nothing(query: str) -> None:
    assert wanted(query, secret=secret) == []
