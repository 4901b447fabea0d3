"""Search as a Chinese field worker expects it: the keys stored for a person, what a query
looks for, and how matches rank.

A name is found by any part of it in simplified or traditional characters, by its full
pinyin or any part of it from a syllable on (`wang`, `xiaoming`), and by its pinyin
initials (`wxm`); a surname read otherwise as a surname (曾 zeng, 单 shan, 解 xie…) is
spelled as a surname. Identifiers are found whole (student number, phone, ID number) or by
their last digits (phone, ID number: 4 to 6). ID numbers are sealed at rest, so their keys
are keyed fingerprints (`secret`, given by the caller), never digits in clear.

Keys are plain strings, a kind mark and its text (`p^wang`: a prefix of the full pinyin), so
that a text[] column with a GIN index finds them with `&&` on PostgreSQL without pg_trgm.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

# Surnames read otherwise as a surname than as a word, and the compound surnames.
SURNAMES: dict[str, tuple[str, ...]] = {
    "曾": ("zeng",), "单": ("shan",), "解": ("xie",), "仇": ("qiu",), "区": ("ou",),
    "朴": ("piao",), "查": ("zha",), "盖": ("ge",), "缪": ("miao",), "翟": ("zhai",),
    "召": ("shao",), "种": ("chong",), "秘": ("bi",), "乐": ("yue",), "覃": ("qin",),
    "员": ("yun",), "纪": ("ji",), "褚": ("chu",), "黑": ("he",), "祭": ("zhai",),
    "繁": ("po",), "句": ("gou",), "谌": ("chen",), "宓": ("mi",), "塔": ("ta",),
    "尉迟": ("yu", "chi"), "万俟": ("mo", "qi"), "单于": ("chan", "yu"),
    "欧阳": ("ou", "yang"), "司马": ("si", "ma"), "诸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"), "皇甫": ("huang", "fu"), "令狐": ("ling", "hu"),
    "慕容": ("mu", "rong"), "长孙": ("zhang", "sun"), "宇文": ("yu", "wen"),
    "澹台": ("tan", "tai"), "公孙": ("gong", "sun"), "东方": ("dong", "fang"),
    "夏侯": ("xia", "hou"), "申屠": ("shen", "tu"), "太史": ("tai", "shi"),
}  # fmt: skip


class Kind(Enum):
    """Which field of a record a key reads (authorization decides who may search by which)."""

    NAME = "name"
    STUDENT_NUMBER = "student_number"
    PHONE = "phone"
    ID_NUMBER = "id_number"


class Rank(int, Enum):
    """How well a record matches, best first."""

    EXACT = 0  # the whole name, or a whole identifier
    NAME_PREFIX = 1
    PINYIN = 2
    PINYIN_PREFIX = 3
    INITIALS = 4
    INITIALS_PREFIX = 5
    NAME_PART = 6
    PINYIN_PART = 7  # from a later syllable on: `xiaoming`, `xm`
    SUFFIX = 8  # the last digits of a phone or an ID number


@dataclass(frozen=True)
class Wanted:
    """A key a query looks for, the rank of a record that has it, and the field it reads."""

    key: str
    rank: Rank
    kind: Kind


SUFFIX_LENGTHS = (4, 5, 6)
MAX_QUERY_LENGTH = 40
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LETTERS = re.compile(r"[a-z]+")
_IDENTIFIER = re.compile(r"[0-9a-z-]+")
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9x]|[0-9]{15}")


@lru_cache(maxsize=1)
def _converter() -> OpenCC:
    return OpenCC("t2s")


def normalize(text: str) -> str:
    """What is compared: full-width folded (NFKC), lower case, simplified characters, and
    no spaces or separators (`王 曉明` and `王晓明`, `138-0000-1234` and `13800001234`)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = re.sub(r"[\s·•.\-_()（）]+", "", folded)
    return str(_converter().convert(folded)) if _HAN.search(folded) else folded


def name_syllables(name: str) -> list[str]:
    """The pinyin of a normalized name, one syllable per character, the surname read as a
    surname (a compound surname first, then a single one)."""
    for length in (2, 1):
        surname = SURNAMES.get(name[:length])
        if surname is not None and len(name) > length:
            return [*surname, *_syllables(name[length:])]
    return _syllables(name)


def _syllables(text: str) -> list[str]:
    return [s for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore") if s.isalpha()]


def _prefixes(text: str) -> list[str]:
    return [text[:end] for end in range(1, len(text) + 1)]


# Names repeat (a child's name is its household's key too; a ledger import computes
# thousands at once): their keys are kept.
@lru_cache(maxsize=65536)
def name_keys(name: str) -> frozenset[str]:
    """The keys of a person's name."""
    name = normalize(name)
    if not name:
        return frozenset()
    keys = {f"n={name}"}
    keys.update(f"n^{prefix}" for prefix in _prefixes(name))
    keys.update(f"n~{name[i:j]}" for i in range(len(name)) for j in range(i + 1, len(name) + 1))
    syllables = name_syllables(name)
    if syllables:
        full, initials = "".join(syllables), "".join(s[0] for s in syllables)
        keys |= {f"p={full}", f"i={initials}"}
        keys.update(f"p^{prefix}" for prefix in _prefixes(full))
        keys.update(f"i^{prefix}" for prefix in _prefixes(initials))
        for start in range(1, len(syllables)):
            keys.update(f"p~{prefix}" for prefix in _prefixes("".join(syllables[start:])))
            keys.update(f"i~{prefix}" for prefix in _prefixes(initials[start:]))
    return frozenset(keys)


def identifier_keys(
    *,
    student_number: str | None = None,
    phones: Iterable[str | None] = (),
    id_number: str | None = None,
    secret: Callable[[str], str],
) -> set[str]:
    """The keys of a record's identifiers; an ID number's are `secret` fingerprints."""
    keys: set[str] = set()
    if student_number and (number := normalize(student_number)):
        keys.add(f"s={number}")
    for phone in phones:
        digits = re.sub(r"\D", "", phone or "")
        if digits:
            keys.add(f"t={digits}")
            keys.update(f"t${digits[-n:]}" for n in SUFFIX_LENGTHS if len(digits) > n)
    if id_number and (number := normalize(id_number)):
        keys.add(f"d={secret(number)}")
        keys.update(f"d${secret(number[-n:])}" for n in SUFFIX_LENGTHS)
    return keys


def wanted(query: str, *, secret: Callable[[str], str]) -> list[Wanted]:
    """The keys a query looks for, each with its rank and the field it reads (none for a
    query that is empty or too long to be a name or an identifier)."""
    text = normalize(query)
    if not text or len(text) > MAX_QUERY_LENGTH:
        return []
    found: list[Wanted] = []
    if _HAN.search(text):
        found += [
            Wanted(f"n={text}", Rank.EXACT, Kind.NAME),
            Wanted(f"n^{text}", Rank.NAME_PREFIX, Kind.NAME),
            Wanted(f"n~{text}", Rank.NAME_PART, Kind.NAME),
        ]
    elif _LETTERS.fullmatch(text):
        found += [
            Wanted(f"p={text}", Rank.PINYIN, Kind.NAME),
            Wanted(f"p^{text}", Rank.PINYIN_PREFIX, Kind.NAME),
            Wanted(f"i={text}", Rank.INITIALS, Kind.NAME),
            Wanted(f"i^{text}", Rank.INITIALS_PREFIX, Kind.NAME),
            Wanted(f"p~{text}", Rank.PINYIN_PART, Kind.NAME),
            Wanted(f"i~{text}", Rank.PINYIN_PART, Kind.NAME),
        ]
    if _ID_NUMBER.fullmatch(text):
        # An ID number is nothing else, and is never sent to the database in clear.
        return [Wanted(f"d={secret(text)}", Rank.EXACT, Kind.ID_NUMBER)]
    if _IDENTIFIER.fullmatch(text):
        found.append(Wanted(f"s={text}", Rank.EXACT, Kind.STUDENT_NUMBER))
    if text.isdigit():
        found.append(Wanted(f"t={text}", Rank.EXACT, Kind.PHONE))
        if len(text) in SUFFIX_LENGTHS:
            found.append(Wanted(f"t${text}", Rank.SUFFIX, Kind.PHONE))
    if (text.isdigit() and len(text) in SUFFIX_LENGTHS) or re.fullmatch(r"[0-9]{3,5}x", text):
        found.append(Wanted(f"d${secret(text)}", Rank.SUFFIX, Kind.ID_NUMBER))
    return found


def best_rank(keys: Iterable[str], looked_for: Iterable[Wanted]) -> Rank | None:
    """The best rank of a record with these keys for a query (None: no match)."""
    have = set(keys)
    ranks = [w.rank for w in looked_for if w.key in have]
    return min(ranks) if ranks else None
