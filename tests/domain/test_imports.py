"""Reading a ledger: headers, mappings, the file's encoding, each row's facts and problems,
and the possible-duplicate rule (app/domain/imports.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.domain.idnumber import make_id_number
from app.domain.imports import (
    Header,
    LedgerRow,
    Person,
    UnreadableFile,
    duplicate_key,
    map_header,
    normalize_header,
    parse_mapping,
    parse_row,
    possible_duplicate,
    read_table,
    village_key,
)
from app.enums import Gender, GuardianRelation, LivingArrangement, SchoolStatus

TODAY = date(2026, 11, 23)
BOY = make_id_number("420702", date(2015, 3, 4), 701)


@pytest.mark.parametrize(
    ("header", "normalized"),
    [("姓名", "姓名"), (" 身份证号* ", "身份证号"), ("村（社区）", "村(社区)"), ("Name:", "name"),
     ("出生\n日期", "出生日期")],
)  # fmt: skip
def test_headers_are_compared_without_decoration(header: str, normalized: str) -> None:
    assert normalize_header(header) == normalized


@pytest.mark.parametrize(
    ("cells", "columns"),
    [
        (["姓名", "性别", "出生日期"], {0: "name", 1: "gender", 2: "birth_date"}),
        (["序号", "儿童姓名", "公民身份号码"], {1: "name", 2: "id_number"}),
        (["学生名字", "身份证号码"], {1: "id_number"}),
    ],
)
def test_standard_headers_and_their_aliases(cells: list[str], columns: dict[int, str]) -> None:
    mapping, _ = parse_mapping(["学生名字=姓名"])
    header = map_header(cells, mapping if "学生名字" in cells else {})
    assert isinstance(header, Header)
    assert dict(header.columns) == (columns if "学生名字" not in cells else {0: "name", **columns})


@pytest.mark.parametrize(
    ("cells", "codes"),
    [
        (["性别", "出生日期"], ["MISSING_COLUMN"]),
        (["姓名", "出生日期"], ["MISSING_COLUMN"]),
        (["姓名", "身份证号", "身份证号码"], ["DUPLICATE_COLUMN"]),
        (["姓名"], ["MISSING_COLUMN", "MISSING_COLUMN"]),
    ],
)
def test_a_header_without_what_a_child_needs_is_refused(cells: list[str], codes: list[str]) -> None:
    found = map_header(cells, {})
    assert isinstance(found, list)
    assert [p.code for p in found] == codes


@pytest.mark.parametrize(
    ("pairs", "mapping", "codes"),
    [
        (["学生=姓名", "# comment", "", "生日 = birth_date"],
         {"学生": "name", "生日": "birth_date"}, []),
        (["学生"], {}, ["BAD_MAPPING"]),
        (["=姓名"], {}, ["BAD_MAPPING"]),
        (["学生=名字"], {}, ["UNKNOWN_COLUMN"]),
    ],
)  # fmt: skip
def test_mappings(pairs: list[str], mapping: dict[str, str], codes: list[str]) -> None:
    found, problems = parse_mapping(pairs)
    assert found == mapping and [p.code for p in problems] == codes


@pytest.mark.parametrize(
    ("body", "first"),
    [
        ("姓名,性别\n张三,男\n".encode(), ["姓名", "性别"]),
        ("姓名,性别\n张三,男\n".encode("utf-8-sig"), ["姓名", "性别"]),
        ("姓名,性别\n张三,男\n".encode("gbk"), ["姓名", "性别"]),
        ("姓名\t性别\n张三\t男\n".encode("gbk"), ["姓名", "性别"]),
    ],
)
def test_csv_in_utf8_with_or_without_bom_and_gbk(body: bytes, first: list[str]) -> None:
    rows = list(read_table(body, "台账.csv"))
    assert rows[0] == first and rows[1] == ["张三", "男"]


@pytest.mark.parametrize(
    "body", [b"\x00\x01binary", b"PK\x03\x04broken zip", "姓名".encode("utf-16"), b"\xff\xfe\xfd"]
)
def test_what_is_no_ledger_is_unreadable(body: bytes) -> None:
    with pytest.raises(UnreadableFile) as raised:
        list(read_table(body, "x"))
    assert raised.value.problem.code == "UNREADABLE_FILE"


def _row(**cells: object) -> tuple[LedgerRow | None, list[tuple[str, str]]]:
    titles = {"name": "姓名", "birth_date": "出生日期", "guardian_relation": "与儿童关系"}
    row, found = parse_row(2, cells, titles, TODAY)
    return row, [(p.column, p.problem.code) for p in found]


@pytest.mark.parametrize(
    "value",
    ["2015-03-04", "2015/3/4", "2015.3.4", "2015年3月4日", "20150304", datetime(2015, 3, 4),
     date(2015, 3, 4)],
)  # fmt: skip
def test_birth_dates_as_counties_write_them(value: object) -> None:
    row, found = _row(name="张三", gender="男", birth_date=value)
    assert found == [] and row is not None and row.birth_date == date(2015, 3, 4)


def test_birth_date_and_gender_are_read_from_the_id_number() -> None:
    row, found = _row(name="张三", id_number=BOY.lower())
    assert found == [] and row is not None
    assert (row.birth_date, row.gender, row.id_number) == (date(2015, 3, 4), Gender.MALE, BOY)


@pytest.mark.parametrize(
    ("cells", "found"),
    [
        ({"gender": "男", "birth_date": "2015-03-04"}, [("姓名", "REQUIRED")]),
        ({"name": "张三", "gender": "男", "birth_date": "去年"}, [("出生日期", "INVALID_DATE")]),
        ({"name": "张三", "gender": "男"}, [("出生日期", "REQUIRED")]),
        ({"name": "张三", "gender": "未知", "birth_date": "2015-03-04"},
         [("性别", "UNKNOWN_VALUE")]),
        ({"name": "张三", "id_number": "420702201503049999"}, [("身份证号", "INVALID_ID_NUMBER")]),
        ({"name": "张三", "id_number": BOY, "gender": "女"}, [("身份证号", "ID_NUMBER_MISMATCH")]),
        ({"name": "张三", "id_number": BOY, "father_phone": "123"},
         [("父亲姓名", "REQUIRED")]),
        ({"name": "张三", "id_number": BOY, "father_name": "张大", "father_phone": "123"},
         [("父亲联系电话", "INVALID_PHONE")]),
        ({"name": "张三", "id_number": BOY, "guardian_name": "李四"},
         [("与儿童关系", "REQUIRED")]),
        ({"name": "张三", "id_number": BOY, "guardian_name": "李四", "guardian_relation": "邻里"},
         [("与儿童关系", "UNKNOWN_VALUE")]),
        ({"name": "张三", "id_number": BOY, "categories": "留守儿童、外星儿童"},
         [("儿童类别", "UNKNOWN_VALUE")]),
        ({"name": "张三", "id_number": BOY, "area_code": "4207"}, [("地区代码", "INVALID_AREA")]),
    ],
)  # fmt: skip
def test_row_problems_name_their_column(
    cells: dict[str, object], found: list[tuple[str, str]]
) -> None:
    row, problems = _row(**cells)
    assert row is None and problems == found


@pytest.mark.parametrize(
    ("cells", "guardian", "living", "away"),
    [
        ({"guardian_name": "张爷", "guardian_relation": "祖父"}, GuardianRelation.GRANDPARENT,
         LivingArrangement.WITH_GRANDPARENTS, False),
        ({"guardian_name": "张姑", "guardian_relation": "姑姑"}, GuardianRelation.UNCLE_AUNT,
         LivingArrangement.WITH_RELATIVES, False),
        ({"guardian_name": "张父", "guardian_relation": "父亲", "father_name": "张父"}, None,
         LivingArrangement.WITH_ONE_PARENT, False),
        ({"father_name": "张父", "mother_name": "李母"}, None, LivingArrangement.WITH_PARENTS,
         False),
        ({"father_name": "张父", "father_work_place": "深圳", "categories": "留守儿童",
          "guardian_name": "王某", "guardian_relation": "村委会指定人员"},
         GuardianRelation.DESIGNATED, LivingArrangement.WITH_OTHERS, True),
    ],
)  # fmt: skip
def test_guardians_and_where_the_child_lives(
    cells: dict[str, object],
    guardian: GuardianRelation | None,
    living: LivingArrangement,
    away: bool,
) -> None:
    row, found = _row(name="张三", id_number=BOY, **cells)
    assert found == [] and row is not None
    assert (row.guardian.relation if row.guardian else None) == guardian
    assert row.living_arrangement is living
    assert (row.father is not None and row.father.away) is away


@pytest.mark.parametrize(
    ("born", "school", "status"),
    [(date(2025, 1, 1), None, SchoolStatus.NOT_SCHOOL_AGE),
     (date(2022, 1, 1), None, SchoolStatus.KINDERGARTEN),
     (date(2015, 1, 1), None, SchoolStatus.IN_SCHOOL),
     (date(2015, 1, 1), "太和镇中心小学", SchoolStatus.IN_SCHOOL)],
)  # fmt: skip
def test_school_status_by_age_when_the_ledger_does_not_say(
    born: date, school: str | None, status: SchoolStatus
) -> None:
    row, found = _row(name="张三", gender="男", birth_date=born, school=school)
    assert found == [] and row is not None and row.school_status is status
    assert ("school_status" in row.given) is False


def test_categories_record_facts_and_what_is_given() -> None:
    row, found = _row(name="张三", id_number=BOY, categories="散居孤儿，残疾儿童/低保")
    assert found == [] and row is not None
    assert dict(row.facts) == {"scattered_orphan": True, "disability": True}
    assert dict(row.poverty) == {"minimum_allowance": True}
    assert {"name", "gender", "birth_date", "id_number", "disability"} <= row.given
    assert "student_number" not in row.given


BORN = date(2015, 3, 4)


@pytest.mark.parametrize(
    ("row", "on_file", "duplicate"),
    [
        (Person("王芳", BORN, frozenset({"王强"}), frozenset()),
         Person("王 芳", BORN, frozenset({"王强", "刘梅"}), frozenset()), True),
        (Person("王芳", BORN, frozenset({"某某"}), frozenset({"X1"})),
         Person("王芳", BORN, frozenset({"王强"}), frozenset({"X1"})), True),
        (Person("王芳", BORN, frozenset({"王强"}), frozenset()),
         Person("王芳", date(2015, 3, 5), frozenset({"王强"}), frozenset()), False),
        (Person("王芳", BORN, frozenset({"王强"}), frozenset()),
         Person("王方", BORN, frozenset({"王强"}), frozenset()), False),
        (Person("王芳", BORN, frozenset(), frozenset()),
         Person("王芳", BORN, frozenset({"王强"}), frozenset()), False),
    ],
)  # fmt: skip
def test_possible_duplicate(row: Person, on_file: Person, duplicate: bool) -> None:
    assert possible_duplicate(row, on_file) is duplicate


@pytest.mark.parametrize(
    ("name", "born", "same"),
    [("王芳", BORN, True), ("王 芳", BORN, True), ("王\u3000芳", BORN, True),
     ("王方", BORN, False), ("王芳", date(2015, 3, 5), False)],
)  # fmt: skip
def test_duplicate_key(name: str, born: date, same: bool) -> None:
    # The import compares a row only with the children on file of its key.
    on_file = Person("王芳", BORN, frozenset({"王强"}), frozenset())
    row = Person(name, born, frozenset({"王强"}), frozenset())
    assert (duplicate_key(row) == duplicate_key(on_file)) is same
    assert possible_duplicate(row, on_file) is same


@pytest.mark.parametrize(
    ("name", "key"),
    [("伯浩村委会", "伯浩"), ("伯浩村", "伯浩"), ("伯浩", "伯浩"), ("东风社区居委会", "东风"),
     ("东风社区", "东风")],
)  # fmt: skip
def test_village_names_as_the_table_and_the_ledgers_write_them(name: str, key: str) -> None:
    assert village_key(name) == key
