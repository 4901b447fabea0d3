"""Reading a county's ledger (台账) of children: the standard columns, the headers of other
layouts mapped onto them, each row parsed into the facts of a child's file, and the rule that
finds a possible duplicate of a child on file.

Pure: the file is given as bytes (xlsx, or csv in UTF-8, UTF-8 with a BOM, or GBK/GB18030),
and every problem is a `Problem` whose field is the ledger's column, so the import reports
them by row and column (docs/imports.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from app.domain.classification import age_on
from app.domain.csv_text import csv_text
from app.domain.idnumber import InvalidIdNumber, normalize_id_number, parse_id_number
from app.domain.validation import (
    Problem,
    check_id_number,
    check_length,
    check_phone,
    problems,
)
from app.enums import Gender, GuardianRelation, LivingArrangement, SchoolStatus


@dataclass(frozen=True)
class StandardColumn:
    """A column counties use: its key (the import's name for it), the header it has in the
    standard ledger, and the other headers found for it in county ledgers."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()


STANDARD_COLUMNS: tuple[StandardColumn, ...] = (
    StandardColumn("name", "姓名", ("儿童姓名", "学生姓名")),
    StandardColumn("gender", "性别"),
    StandardColumn(
        "id_number", "身份证号", ("身份证号码", "公民身份号码", "儿童身份证号", "证件号码")
    ),
    StandardColumn("birth_date", "出生日期", ("出生年月日", "出生年月", "生日")),
    StandardColumn("area_code", "地区代码", ("行政区划代码", "区划代码", "村代码")),
    StandardColumn("village", "村(社区)", ("村", "村名", "所在村", "村(居)", "村居")),
    StandardColumn("address", "户籍地址", ("家庭住址", "住址", "家庭地址", "户籍所在地")),
    StandardColumn("father_name", "父亲姓名"),
    StandardColumn("father_id_number", "父亲身份证号", ("父亲身份证", "父亲身份证号码")),
    StandardColumn("father_work_place", "父亲务工地", ("父亲务工地点", "父亲外出务工地")),
    StandardColumn("father_phone", "父亲联系电话", ("父亲电话", "父亲手机")),
    StandardColumn("mother_name", "母亲姓名"),
    StandardColumn("mother_id_number", "母亲身份证号", ("母亲身份证", "母亲身份证号码")),
    StandardColumn("mother_work_place", "母亲务工地", ("母亲务工地点", "母亲外出务工地")),
    StandardColumn("mother_phone", "母亲联系电话", ("母亲电话", "母亲手机")),
    StandardColumn("guardian_name", "监护人", ("监护人姓名", "委托监护人")),
    StandardColumn("guardian_relation", "监护人与儿童关系", ("与儿童关系", "监护人关系")),
    StandardColumn("guardian_phone", "监护人电话", ("监护人联系电话", "监护人手机")),
    StandardColumn("guardian_id_number", "监护人身份证号", ("监护人身份证",)),
    StandardColumn("school", "就读学校", ("学校", "学校名称")),
    StandardColumn("student_number", "学籍号", ("学号", "全国学籍号")),
    StandardColumn("categories", "儿童类别", ("类别", "儿童类型")),
    StandardColumn("living_arrangement", "居住情况", ("居住状况",)),
    StandardColumn("school_status", "就学情况", ("就学状况",)),
)  # fmt: skip
_BY_KEY = {column.key: column for column in STANDARD_COLUMNS}
# Rows a ledger may hold (the HTTP upload and the CLI alike).
MAX_ROWS = 200_000
# The most characters of a cell kept: a longer one is refused by the field's own length rule.
_CELL_MAX = 1000


def normalize_header(header: str) -> str:
    """A header as compared: full-width forms folded (NFKC), spaces, line breaks, required
    marks (*) and colons removed, Latin letters in lower case."""
    folded = unicodedata.normalize("NFKC", header)
    return re.sub(r"[\s*:：]", "", folded).lower()


def _index() -> dict[str, str]:
    found: dict[str, str] = {}
    for column in STANDARD_COLUMNS:
        for name in (column.key, column.header, *column.aliases):
            found[normalize_header(name)] = column.key
    return found


_STANDARD = _index()


def standard_header(key: str) -> str:
    """The standard ledger's header of a column key."""
    return _BY_KEY[key].header


def parse_mapping(pairs: Sequence[str]) -> tuple[dict[str, str], list[Problem]]:
    """A column mapping from `源列=标准列` lines (the standard column by its header or key):
    the file's header (normalized) → the column key. Blank lines and lines starting with #
    are skipped (a mapping file)."""
    mapping: dict[str, str] = {}
    found: list[Problem] = []
    for pair in pairs:
        line = pair.strip()
        if not line or line.startswith("#"):
            continue
        source, sep, target = line.partition("=")
        key = _STANDARD.get(normalize_header(target))
        if not sep or not source.strip():
            found.append(
                Problem("BAD_MAPPING", "map", "a mapping reads 源列=标准列: {line}", {"line": line})
            )
        elif key is None:
            found.append(
                Problem(
                    "UNKNOWN_COLUMN",
                    "map",
                    "{column} is not a standard column",
                    {"column": target.strip()},
                )
            )
        else:
            mapping[normalize_header(source)] = key
    return mapping, found


@dataclass(frozen=True)
class Header:
    """Which column of the file holds which standard column, and the columns left out."""

    columns: Mapping[int, str]
    titles: Mapping[str, str]
    ignored: tuple[str, ...]


def map_header(cells: Sequence[object], mapping: Mapping[str, str]) -> Header | list[Problem]:
    """The file's header mapped onto the standard columns (a mapping first, then the standard
    headers and their aliases); problems for a column named twice and for missing ones: a
    ledger needs the name, and an ID number or else the birth date and gender."""
    columns: dict[int, str] = {}
    titles: dict[str, str] = {}
    ignored: list[str] = []
    found: list[Problem] = []
    for position, cell in enumerate(cells):
        title = "" if cell is None else str(cell).strip()
        if not title:
            continue
        normalized = normalize_header(title)
        key = mapping.get(normalized) or _STANDARD.get(normalized)
        if key is None:
            ignored.append(title)
        elif key in titles:
            found.append(
                Problem(
                    "DUPLICATE_COLUMN",
                    title,
                    "two columns are {column}",
                    {"column": standard_header(key)},
                )
            )
        else:
            columns[position] = key
            titles[key] = title
    needed = [["name"], ["id_number", "birth_date"], ["id_number", "gender"]]
    for keys in needed:
        if not any(key in titles for key in keys):
            found.append(
                Problem(
                    "MISSING_COLUMN",
                    standard_header(keys[-1]),
                    "the ledger has no column {column}",
                    {"column": " / ".join(standard_header(key) for key in keys)},
                )
            )
    if found:
        return found
    return Header(columns=columns, titles=titles, ignored=tuple(ignored))


class UnreadableFile(ValueError):
    """A file that is no ledger: not xlsx, nor csv text in UTF-8 or GBK."""

    def __init__(self, template: str, params: Mapping[str, object] | None = None) -> None:
        super().__init__(template)
        self.problem = Problem("UNREADABLE_FILE", "file", template, params)


def decode_text(body: bytes) -> str:
    """A csv file's text (app/domain/csv_text.csv_text), or UnreadableFile."""
    text = csv_text(body)
    if text is None:
        raise UnreadableFile("the file is neither UTF-8 nor GBK text")
    return text


def read_table(body: bytes, file_name: str) -> Iterator[list[object]]:
    """The rows of a ledger, header first: the first sheet of an xlsx workbook (told by its
    zip signature, whatever its name), else csv text."""
    if body.startswith(b"PK\x03\x04"):
        try:
            book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise UnreadableFile("the file is not an xlsx workbook that can be read") from exc
        if not book.worksheets:
            raise UnreadableFile("the workbook has no sheet")
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield list(row)
        return
    if b"\x00" in body[:4096]:
        raise UnreadableFile("{name} is neither an xlsx workbook nor csv text", {"name": file_name})
    text = decode_text(body)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    for row in csv.reader(io.StringIO(text, newline=""), dialect):
        yield list(row)


def file_hash(body: bytes) -> str:
    """The file's SHA-256, as recorded with its import."""
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class LedgerParent:
    """A father or mother as a ledger row gives them."""

    name: str
    id_number: str | None
    work_place: str | None
    phone: str | None
    away: bool


@dataclass(frozen=True)
class LedgerGuardian:
    """An entrusted guardian as a ledger row gives them (None: the parents look after the
    child themselves)."""

    name: str
    relation: GuardianRelation
    phone: str | None
    id_number: str | None


@dataclass(frozen=True)
class LedgerRow:
    """A ledger row as the facts of a child's file. `given` names the child's fields the
    row has a value for: an update from a ledger changes only those."""

    number: int
    name: str
    gender: Gender
    birth_date: date
    id_number: str | None
    area_code: str | None
    village: str | None
    address: str | None
    father: LedgerParent | None
    mother: LedgerParent | None
    guardian: LedgerGuardian | None
    school: str | None
    student_number: str | None
    living_arrangement: LivingArrangement
    school_status: SchoolStatus
    facts: Mapping[str, bool]
    poverty: Mapping[str, bool]
    given: frozenset[str] = field(default_factory=frozenset)

    @property
    def parents(self) -> list[tuple[str, LedgerParent]]:
        """The parents the row names, as ("father" | "mother", parent)."""
        return [(k, p) for k, p in (("father", self.father), ("mother", self.mother)) if p]


@dataclass(frozen=True)
class RowProblem:
    """A problem of a ledger row: its row number (as the spreadsheet numbers it), the column
    (the file's header), and the problem."""

    row: int
    column: str
    problem: Problem


_GENDERS = {"男": Gender.MALE, "男性": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE,
            "女": Gender.FEMALE, "女性": Gender.FEMALE, "f": Gender.FEMALE,
            "female": Gender.FEMALE}  # fmt: skip
# A parent named as the guardian: the parents look after the child themselves.
_PARENTS = ("父亲", "母亲", "父", "母", "父母", "爸爸", "妈妈")
_RELATIONS: tuple[tuple[tuple[str, ...], GuardianRelation], ...] = (
    (("祖父", "祖母", "外祖", "爷爷", "奶奶", "外公", "外婆", "姥姥", "姥爷"),
     GuardianRelation.GRANDPARENT),
    (("哥", "姐", "兄"), GuardianRelation.SIBLING),
    (("叔", "伯", "姑", "舅", "姨"), GuardianRelation.UNCLE_AUNT),
    (("亲属", "亲戚", "堂", "表"), GuardianRelation.OTHER_RELATIVE),
    (("朋友", "亲友", "邻居"), GuardianRelation.FRIEND),
    (("指定", "村委", "居委"), GuardianRelation.DESIGNATED),
)  # fmt: skip
# Words of the 儿童类别 column → the fact of the file they record (categories themselves are
# derived from the facts; a category with no fact of its own, such as 困境儿童, adds none).
_CATEGORY_FACTS: tuple[tuple[str, str | None], ...] = (
    ("留守", "left_behind"), ("孤儿", "scattered_orphan"), ("残疾", "disability"),
    ("重病", "serious_illness"), ("大病", "serious_illness"), ("安全", "safety_risk"),
    ("侵害", "safety_risk"), ("低保", "minimum_allowance"), ("特困", "extreme_poverty"),
    ("脱贫", "registered_poverty"), ("建档立卡", "registered_poverty"), ("困境", None),
    ("事实无人抚养", None), ("普通", None), ("其他", None), ("无", None),
)  # fmt: skip
_HOUSEHOLD_FACTS = ("minimum_allowance", "extreme_poverty", "registered_poverty")
_DATE = re.compile(r"(\d{4})\D{0,2}?(\d{1,2})\D{0,2}?(\d{1,2})\D?")


def _text(value: object) -> str | None:
    """A cell as text: None for an empty one; numbers without a trailing .0 (an ID number
    or phone typed as a number)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()[:_CELL_MAX]
    return text or None


def _day(value: object) -> date | None:
    """A date cell: a spreadsheet date, or text such as 2015-03-04, 2015/3/4, 2015.3.4,
    2015年3月4日 or 20150304. Raises ValueError for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if text is None:
        return None
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return date(int(match[1]), int(match[2]), int(match[3]))


def _relation(text: str) -> tuple[bool, GuardianRelation | None]:
    """(known, relation): a relation word, None for a parent (no entrusted guardian)."""
    if text in _PARENTS:
        return True, None
    for words, relation in _RELATIONS:
        if any(word in text for word in words):
            return True, relation
    for relation in GuardianRelation:
        if text in (relation.label, relation.value):
            return True, relation
    return False, None


def _labelled(enum: Any, text: str) -> Any:
    for member in enum:
        if text in (member.label, member.value, member.name):
            return member
    return None


class _Row:
    """One row being read: its cells by column key, and its problems."""

    def __init__(self, number: int, cells: Mapping[str, object], titles: Mapping[str, str]):
        self.number = number
        self.cells = cells
        self.titles = titles
        self.found: list[RowProblem] = []

    def text(self, key: str) -> str | None:
        return _text(self.cells.get(key))

    def problem(self, key: str, problem: Problem) -> None:
        self.found.append(
            RowProblem(self.number, self.titles.get(key, standard_header(key)), problem)
        )

    def check(self, key: str, *checks: Problem | list[Problem] | None) -> None:
        for problem in problems(*checks):
            self.problem(key, problem)

    def day(self, key: str) -> date | None:
        try:
            return _day(self.cells.get(key))
        except ValueError:
            self.problem(
                key, Problem("INVALID_DATE", _camel(key), "not a date: write it as 2015-03-04")
            )
            return None

    def member(self, key: str, enum: Any) -> Any:
        """The member of `enum` the cell names (label, value or name); None for an empty cell,
        and for one naming none (reported as UNKNOWN_VALUE)."""
        text = self.text(key)
        if not text:
            return None
        found = _labelled(enum, text)
        if found is None:
            self.problem(
                key, Problem("UNKNOWN_VALUE", _camel(key), "unknown value {value}", {"value": text})
            )
        return found


def _camel(key: str) -> str:
    return re.sub(r"_(.)", lambda m: m[1].upper(), key)


def _parent(row: _Row, who: str, away_by_category: bool, today: date) -> LedgerParent | None:
    name = row.text(f"{who}_name")
    number = row.text(f"{who}_id_number")
    work_place = row.text(f"{who}_work_place")
    phone = row.text(f"{who}_phone")
    if name is None:
        if number is not None or phone is not None or work_place is not None:
            row.problem(f"{who}_name", Problem("REQUIRED", "name", "the parent's name is missing"))
        return None
    row.check(f"{who}_name", check_length(name, "name", 100))
    row.check(f"{who}_id_number", check_id_number(number, "idNumber", today=today))
    row.check(f"{who}_phone", check_phone(phone, "phone"))
    row.check(f"{who}_work_place", check_length(work_place, "workPlace", 200))
    return LedgerParent(
        name=name,
        id_number=normalize_id_number(number) if number else None,
        work_place=work_place,
        phone=phone,
        away=work_place is not None or away_by_category,
    )


def _guardian(row: _Row, today: date) -> LedgerGuardian | None:
    name = row.text("guardian_name")
    relation_text = row.text("guardian_relation")
    if name is None:
        return None
    known, relation = _relation(relation_text or "")
    if relation_text is None:
        row.problem(
            "guardian_relation",
            Problem(
                "REQUIRED", "guardianRelation", "the guardian's relation to the child is missing"
            ),
        )
        return None
    if not known:
        row.problem(
            "guardian_relation",
            Problem(
                "UNKNOWN_VALUE",
                "guardianRelation",
                "unknown value {value}",
                {"value": relation_text},
            ),
        )
        return None
    if relation is None:  # a parent: the parents look after the child themselves
        return None
    number = row.text("guardian_id_number")
    phone = row.text("guardian_phone")
    row.check("guardian_name", check_length(name, "guardianName", 100))
    row.check("guardian_phone", check_phone(phone, "phone"))
    row.check("guardian_id_number", check_id_number(number, "idNumber", today=today))
    return LedgerGuardian(
        name=name,
        relation=relation,
        phone=phone,
        id_number=normalize_id_number(number) if number else None,
    )


def _categories(row: _Row) -> set[str]:
    text = row.text("categories")
    if text is None:
        return set()
    facts: set[str] = set()
    for word in re.split(r"[、,，;；/\s|]+", text):
        if not word:
            continue
        matched = [fact for needle, fact in _CATEGORY_FACTS if needle in word]
        if not matched:
            row.problem(
                "categories",
                Problem("UNKNOWN_VALUE", "categories", "unknown value {value}", {"value": word}),
            )
        facts.update(fact for fact in matched if fact is not None)
    return facts


def default_living_arrangement(
    guardian: GuardianRelation | None, parents_at_home: int
) -> LivingArrangement:
    """Where a child lives when the ledger does not say: with its entrusted guardian's kind
    of family, else with the parents at home, else with others."""
    if guardian is GuardianRelation.GRANDPARENT:
        return LivingArrangement.WITH_GRANDPARENTS
    if guardian in (GuardianRelation.SIBLING, GuardianRelation.UNCLE_AUNT,
                    GuardianRelation.OTHER_RELATIVE):  # fmt: skip
        return LivingArrangement.WITH_RELATIVES
    if guardian is None and parents_at_home >= 2:
        return LivingArrangement.WITH_PARENTS
    if guardian is None and parents_at_home == 1:
        return LivingArrangement.WITH_ONE_PARENT
    return LivingArrangement.WITH_OTHERS


def default_school_status(birth_date: date, today: date, has_school: bool) -> SchoolStatus:
    """A school status by age when the ledger does not say: under 3 not of school age, under
    6 in kindergarten (at school if it names a school), else at school."""
    age = age_on(birth_date, today)
    if age < 3:
        return SchoolStatus.NOT_SCHOOL_AGE
    if age < 6 and not has_school:
        return SchoolStatus.KINDERGARTEN
    return SchoolStatus.IN_SCHOOL


def parse_row(
    number: int, cells: Mapping[str, object], titles: Mapping[str, str], today: date
) -> tuple[LedgerRow | None, list[RowProblem]]:
    """A ledger row (cells by column key) as a child's facts, or its problems (all of them).
    A birth date or gender left out is read from the ID number."""
    row = _Row(number, cells, titles)
    given: set[str] = set()
    name = row.text("name")
    if name is None:
        row.problem("name", Problem("REQUIRED", "name", "this field is required"))
    else:
        row.check("name", check_length(name, "name", 100))
    raw_number = row.text("id_number")
    id_number = normalize_id_number(raw_number) if raw_number else None
    info = None
    if id_number is not None:
        try:
            info = parse_id_number(id_number, today)
        except InvalidIdNumber as exc:
            row.problem(
                "id_number", Problem("INVALID_ID_NUMBER", "idNumber", exc.template, exc.params)
            )
    birth_date = row.day("birth_date")
    gender_text = row.text("gender")
    gender = _GENDERS.get(gender_text.lower()) if gender_text else None
    if gender_text and gender is None:
        row.problem(
            "gender",
            Problem("UNKNOWN_VALUE", "gender", "unknown value {value}", {"value": gender_text}),
        )
    if info is not None:
        row.check(
            "id_number",
            check_id_number(
                id_number, "idNumber", birth_date=birth_date, gender=gender, today=today
            ),
        )
        birth_date = birth_date or info.birth_date
        gender = gender or info.gender
    # Without a valid ID number to read them from (an invalid one is its own problem).
    unread = id_number is None
    if birth_date is None and unread and not any(p.problem.field == "birthDate" for p in row.found):
        row.problem("birth_date", Problem("REQUIRED", "birthDate", "this field is required"))
    if gender is None and not gender_text and unread:
        row.problem("gender", Problem("REQUIRED", "gender", "this field is required"))
    facts = _categories(row)
    left_behind = "left_behind" in facts
    father = _parent(row, "father", left_behind, today)
    mother = _parent(row, "mother", left_behind, today)
    guardian = _guardian(row, today)
    area_code = row.text("area_code")
    if area_code is not None and not re.fullmatch(r"\d{12}", area_code):
        row.problem("area_code", Problem("INVALID_AREA", "areaCode", "not a village code"))
    address = row.text("address")
    row.check("address", check_length(address, "address", 300))
    student_number = row.text("student_number")
    row.check("student_number", check_length(student_number, "studentNumber", 32))
    school = row.text("school")
    living = row.member("living_arrangement", LivingArrangement)
    school_status = row.member("school_status", SchoolStatus)
    if row.found or name is None or birth_date is None or gender is None:
        return None, row.found
    given.update(key for key, value in (("name", name), ("gender", gender_text or id_number),
                 ("birth_date", cells.get("birth_date") or id_number), ("id_number", id_number),
                 ("student_number", student_number), ("living_arrangement", living),
                 ("school_status", school_status), ("school_id", school)) if value)  # fmt: skip
    at_home = sum(1 for parent in (father, mother) if parent is not None and not parent.away)
    child_facts: dict[str, bool] = {
        k: True
        for k in ("scattered_orphan", "disability", "serious_illness", "safety_risk")
        if k in facts
    }
    given.update(child_facts)
    relation = None if guardian is None else guardian.relation
    ledger_row = LedgerRow(
        number=number, name=name, gender=gender, birth_date=birth_date, id_number=id_number,
        area_code=area_code, village=row.text("village"), address=address,
        father=father, mother=mother, guardian=guardian, school=school,
        student_number=student_number,
        living_arrangement=living or default_living_arrangement(relation, at_home),
        school_status=school_status or default_school_status(birth_date, today, school is not None),
        facts=child_facts,
        poverty={k: True for k in _HOUSEHOLD_FACTS if k in facts},
        given=frozenset(given),
    )  # fmt: skip
    return ledger_row, []


def row_cells(values: Sequence[object], header: Header) -> dict[str, object]:
    """A row's cells by column key."""
    return {key: values[i] for i, key in header.columns.items() if i < len(values)}


def is_blank(values: Sequence[object]) -> bool:
    """A row with nothing in it (spreadsheets keep some at the end)."""
    return all(_text(value) is None for value in values)


def _person(name: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", name))


def row_key(area_code: str, row: LedgerRow) -> str:
    """What recognizes a row without an ID number when the same ledger comes again: its
    village, the child's name, birth date and gender, and its parents' names."""
    parts = [area_code, _person(row.name), row.birth_date.isoformat(), row.gender.value,
             *(f"{who}={_person(parent.name)}" for who, parent in row.parents)]  # fmt: skip
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Person:
    """What the duplicate rule compares: a child's name and birth date, and its parents'
    names and ID numbers."""

    name: str
    birth_date: date
    parent_names: frozenset[str]
    parent_id_numbers: frozenset[str]


def person_of(row: LedgerRow) -> Person:
    """A ledger row as the duplicate rule sees it."""
    return Person(
        row.name,
        row.birth_date,
        frozenset(p.name for _, p in row.parents),
        frozenset(p.id_number for _, p in row.parents if p.id_number),
    )


def duplicate_key(person: Person) -> tuple[str, date]:
    """What two people who are possibly the same child share (their name as compared, their
    birth date): a child on file is compared with the rows of its key only."""
    return _person(person.name), person.birth_date


def possible_duplicate(row: Person, on_file: Person) -> bool:
    """A child on file is possibly the child of a row: the same name (spaces and full-width
    forms aside), the same birth date, and a parent in common by name or ID number."""
    if duplicate_key(row) != duplicate_key(on_file):
        return False
    names = {_person(n) for n in row.parent_names} & {_person(n) for n in on_file.parent_names}
    return bool(names or row.parent_id_numbers & on_file.parent_id_numbers)


_VILLAGE_SUFFIXES = re.compile(
    r"(村民委员会|居民委员会|社区居委会|居委会|村委会|委员会|委会|村|社区|居)$"
)


def village_key(name: str) -> str:
    """A village's name as compared: the national table's 伯浩村委会 and a ledger's 伯浩村
    or 伯浩 alike (the committee's and the village's suffixes dropped)."""
    folded = re.sub(r"\s", "", unicodedata.normalize("NFKC", name))
    for _ in range(2):  # 社区居委会, 村委会: a committee suffix, then the place's
        folded = _VILLAGE_SUFFIXES.sub("", folded) or folded
    return folded
