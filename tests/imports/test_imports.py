"""Importing a county's ledger (台账): a dry run with its row errors, the import, the same file
again changing nothing; possible duplicates; nothing outside the caller's scope written or
revealed; bad input answered with clear errors."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import text

from app import clock
from app.database import session_factory
from app.domain.idnumber import make_id_number, parse_id_number
from app.seed.demo import DEMO_VILLAGE, DEMO_VILLAGE2
from app.services.derivation import refresh_children
from app.services.statistics.refresh import StatisticsSession
from tests import factories
from tests.command import shouhu
from tests.conftest import EngineFactory, access_token
from tests.documents import mutation
from tests.graphql import mutation_payload, query_data

FATHER_ID = make_id_number("420702", date(1985, 1, 1), 703)
MOTHER_ID = make_id_number("420702", date(1987, 2, 2), 704)
ROWS: list[dict[str, object]] = [
    {"姓名": "张小明", "性别": "男", "身份证号": make_id_number("420702", date(2015, 3, 4), 701),
     "出生日期": "2015-03-04", "地区代码": DEMO_VILLAGE, "户籍地址": "伯浩村1组8号",
     "父亲姓名": "张大山", "父亲身份证号": FATHER_ID, "父亲务工地": "广东省深圳市",
     "父亲联系电话": "13800000001", "母亲姓名": "李秀英", "母亲身份证号": MOTHER_ID,
     "母亲务工地": "浙江省杭州市", "母亲联系电话": "13800000002", "监护人": "张守仁",
     "监护人与儿童关系": "祖父", "监护人电话": "13800000003", "儿童类别": "留守儿童"},
    {"姓名": "王芳", "性别": "女", "出生日期": "2014/5/6", "地区代码": DEMO_VILLAGE,
     "户籍地址": "伯浩村2组3号", "父亲姓名": "王强", "母亲姓名": "刘梅"},
    {"姓名": "张小红", "性别": "女", "身份证号": make_id_number("420702", date(2017, 6, 1), 702),
     "地区代码": DEMO_VILLAGE, "户籍地址": "伯浩村1组8号", "父亲姓名": "张大山",
     "父亲身份证号": FATHER_ID, "母亲姓名": "李秀英", "母亲身份证号": MOTHER_ID,
     "儿童类别": "留守儿童"},
    {"姓名": "李四", "性别": "男", "身份证号": "420702201501019999", "地区代码": DEMO_VILLAGE},
    {"姓名": "赵五", "性别": "男", "出生日期": "去年", "地区代码": DEMO_VILLAGE},
    {"姓名": "钱六", "性别": "男", "身份证号": make_id_number("420702", date(2013, 1, 1), 705),
     "地区代码": DEMO_VILLAGE, "监护人": "孙某", "监护人与儿童关系": "邻里"},
    {"姓名": "孙七", "性别": "女", "身份证号": make_id_number("420702", date(2016, 2, 2), 708),
     "地区代码": DEMO_VILLAGE2},
]  # fmt: skip
# Row number (the header is row 1) → (column, code) of the rows the ledger gets wrong.
ERRORS = {
    5: ("身份证号", "INVALID_ID_NUMBER"),
    6: ("出生日期", "INVALID_DATE"),
    7: ("监护人与儿童关系", "UNKNOWN_VALUE"),
    8: ("地区代码", "FORBIDDEN"),
}
# What the writes of an import would touch: the counts, and every edit's change number.
SNAPSHOT = """SELECT
  (SELECT count(*) FROM children) AS children, (SELECT count(*) FROM households) AS households,
  (SELECT count(*) FROM parents) AS parents, (SELECT count(*) FROM guardianships) AS guardians,
  (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM outbox_events) AS outbox,
  (SELECT count(*) FROM duplicate_reports) AS duplicate_reports,
  (SELECT count(*) FROM imported_rows) AS row_keys,
  (SELECT max(change_seq) FROM children) AS children_seq,
  (SELECT max(change_seq) FROM households) AS households_seq,
  (SELECT max(change_seq) FROM parents) AS parents_seq,
  (SELECT max(change_seq) FROM guardianships) AS guardians_seq,
  (SELECT count(*) FROM audit_events WHERE action <> 'importChildren') AS other_audit"""


async def _snapshot(engine_for: EngineFactory, url: str) -> dict[str, Any]:
    async with engine_for(url).connect() as conn:
        return dict((await conn.execute(text(SNAPSHOT))).mappings().one())


async def _upload(client: AsyncClient, token: str | None, body: bytes, **params: str) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/imports/children", content=body, params=params, headers=headers)


def _report(response: Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def _errors(report: dict[str, Any]) -> dict[int, tuple[str, str]]:
    return {
        error["row"]: (error["column"], error["code"])
        for row in report["rows"]
        for error in row.get("errors", [])
    }


def _counts(created: int, updated: int, unchanged: int, refused: int) -> dict[str, int]:
    return {"rows": len(ROWS), "created": created, "updated": updated, "unchanged": unchanged,
            "refused": refused, "possibleDuplicates": 0}  # fmt: skip


async def _imported(engine_for: EngineFactory, url: str) -> dict[str, Any]:
    async with engine_for(url).connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.name, c.household_id, c.categories, g.guardian_name, h.address"
                " FROM children c JOIN households h ON h.id = c.household_id"
                " LEFT JOIN guardianships g ON g.child_id = c.id AND g.status = 'active'"
                " WHERE c.name IN ('张小明', '王芳', '张小红', '孙七')"
                " AND EXISTS (SELECT 1 FROM child_search_keys k WHERE k.child_id = c.id)"
            )
        )
        return {row.name: row for row in rows}


async def _check_written(engine_for: EngineFactory, url: str) -> None:
    found = await _imported(engine_for, url)
    assert set(found) == {"张小明", "王芳", "张小红"}
    # One family: the siblings share a household; both parents away make them left-behind.
    assert found["张小明"].household_id == found["张小红"].household_id
    assert found["王芳"].household_id != found["张小明"].household_id
    assert "left_behind" in found["张小明"].categories
    assert found["张小明"].guardian_name == "张守仁"
    assert found["王芳"].address == "伯浩村2组3号"


async def test_an_xlsx_ledger_dry_run_then_import_then_again_changes_nothing(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    body = factories.ledger(ROWS, "xlsx")
    before = await _snapshot(engine_for, fresh_db)

    dry = _report(await _upload(fresh_client, token, body, dryRun="true", fileName="台账.xlsx"))
    assert dry["dryRun"] is True and dry["counts"] == _counts(3, 0, 0, 4)
    assert _errors(dry) == ERRORS
    assert await _snapshot(engine_for, fresh_db) == before

    real = _report(await _upload(fresh_client, token, body, fileName="台账.xlsx"))
    assert real["dryRun"] is False and real["counts"] == _counts(3, 0, 0, 4)
    assert _errors(real) == ERRORS
    await _check_written(engine_for, fresh_db)
    after = await _snapshot(engine_for, fresh_db)
    assert after["children"] == before["children"] + 3 and after["row_keys"] == 1

    again = _report(await _upload(fresh_client, token, body, fileName="台账.xlsx"))
    assert again["counts"] == _counts(0, 0, 3, 4)
    assert {r["childId"] for r in again["rows"] if "childId" in r} == {
        r["childId"] for r in real["rows"] if "childId" in r
    }
    assert await _snapshot(engine_for, fresh_db) == after
    async with engine_for(fresh_db).connect() as conn:
        recorded = (
            await conn.execute(
                text(
                    "SELECT dry_run, created, unchanged, refused, file_name, importer_label"
                    " FROM ledger_imports ORDER BY imported_at, dry_run DESC"
                )
            )
        ).all()
        audited = await conn.scalar(
            text("SELECT count(*) FROM audit_events WHERE action = 'importChildren'")
        )
    assert [tuple(r)[:4] for r in recorded] == [(True, 3, 0, 4), (False, 3, 0, 4), (False, 0, 3, 4)]
    assert {r.file_name for r in recorded} == {"台账.xlsx"}
    assert {r.importer_label for r in recorded} == {"user:demo-village"}
    assert audited == 3


async def test_a_gbk_csv_ledger_through_the_command_line(
    fresh_db: str, engine_for: EngineFactory, tmp_path: Path
) -> None:
    path = tmp_path / "台账.csv"
    path.write_bytes(factories.ledger(ROWS, "csv", "gbk"))
    before = await _snapshot(engine_for, fresh_db)
    command = ("import", "children", str(path), "--user", "demo-village")

    dry = shouhu(fresh_db, *command, "--dry-run")
    assert dry.returncode == 1, dry.stderr  # rows were refused
    report = json.loads(dry.stdout)
    assert report["dryRun"] is True and report["counts"] == _counts(3, 0, 0, 4)
    assert _errors(report) == ERRORS
    assert await _snapshot(engine_for, fresh_db) == before

    real = shouhu(fresh_db, *command)
    assert real.returncode == 1, real.stderr
    assert json.loads(real.stdout)["counts"] == _counts(3, 0, 0, 4)
    assert "3 created" in real.stderr and "4 refused" in real.stderr
    await _check_written(engine_for, fresh_db)
    after = await _snapshot(engine_for, fresh_db)

    again = shouhu(fresh_db, *command)
    assert json.loads(again.stdout)["counts"] == _counts(0, 0, 3, 4)
    assert await _snapshot(engine_for, fresh_db) == after

    unknown = shouhu(fresh_db, "import", "children", str(path), "--user", "nobody")
    assert unknown.returncode == 2 and "no user named 'nobody'" in unknown.stderr
    county = shouhu(fresh_db, "import", "children", str(path), "--user", "demo-county")
    assert county.returncode == 2 and "may not write children's files" in county.stderr


async def test_an_update_changes_only_what_the_ledger_has_a_value_for(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    first = [ROWS[0]]
    _report(await _upload(fresh_client, token, factories.ledger(first, "xlsx")))
    # The next ledger has a new phone for the father and leaves the address and mother out.
    changed = {**ROWS[0], "父亲联系电话": "13900000009", "户籍地址": None, "母亲姓名": None,
               "母亲身份证号": None, "母亲务工地": None, "母亲联系电话": None}  # fmt: skip
    report = _report(await _upload(fresh_client, token, factories.ledger([changed], "xlsx")))
    assert report["counts"]["updated"] == 1, report
    again = _report(await _upload(fresh_client, token, factories.ledger([changed], "xlsx")))
    assert again["counts"]["unchanged"] == 1, again
    async with engine_for(fresh_db).connect() as conn:
        family = (
            await conn.execute(
                text(
                    "SELECT h.address, array_agg(p.phone ORDER BY p.relation) AS phones"
                    " FROM children c JOIN households h ON h.id = c.household_id"
                    " JOIN parents p ON p.household_id = h.id WHERE c.name = '张小明'"
                    " GROUP BY h.address"
                )
            )
        ).one()
    assert family.address == "伯浩村1组8号"
    assert family.phones == ["13900000009", "13800000002"]


async def test_a_possible_duplicate_is_imported_and_reported(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    token = await access_token(fresh_db, "demo-village")
    # On file: a boy whose household's father is 张伟 (the factories' household).
    existing = await factories.child(fresh_client, token, DEMO_VILLAGE, name="周杰")
    born = parse_id_number(existing["idNumber"]).birth_date
    row: dict[str, object] = {"姓名": "周杰", "性别": "男", "出生日期": born.isoformat(),
           "地区代码": DEMO_VILLAGE, "父亲姓名": "张伟"}  # fmt: skip
    other = {**row, "姓名": "周伦"}
    for dry_run in ("true", "false"):
        report = _report(
            await _upload(fresh_client, token, factories.ledger([row, other]), dryRun=dry_run)
        )
        assert report["counts"]["possibleDuplicates"] == 1
        first, second = report["rows"]
        assert first["outcome"] == "created"
        assert first["possibleDuplicateOf"] == existing["id"]
        assert "possibleDuplicateOf" not in second


async def test_nothing_outside_the_callers_scope_is_written_or_revealed(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    elsewhere = await factories.child(
        fresh_client, await access_token(fresh_db, "demo-village2"), DEMO_VILLAGE2, name="吴明"
    )
    async with engine_for(fresh_db).connect() as conn:
        number = await conn.scalar(
            text("SELECT name FROM children WHERE id = :id"),
            {"id": _uuid(elsewhere["id"])},
        )
    assert number == "吴明"
    token = await access_token(fresh_db, "demo-village")
    id_number = elsewhere["idNumber"]
    rows = [
        {"姓名": "吴明", "性别": "男", "身份证号": id_number, "地区代码": DEMO_VILLAGE},
        {"姓名": "郑八", "性别": "男", "出生日期": "2015-01-01", "地区代码": DEMO_VILLAGE2},
    ]
    before = await _snapshot(engine_for, fresh_db)
    response = await _upload(fresh_client, token, factories.ledger(rows))
    report = _report(response)
    assert _errors(report) == {
        2: ("身份证号", "ID_NUMBER_UNDER_REVIEW"),
        3: ("地区代码", "FORBIDDEN"),
    }
    # Neither the other file nor where it is: only the caller's own row and column.
    assert _uuid(elsewhere["id"]) not in response.text and elsewhere["id"] not in response.text
    assert DEMO_VILLAGE2 not in json.dumps(report["rows"][0])
    after = await _snapshot(engine_for, fresh_db)
    assert after["children"] == before["children"]
    # Passed on to be reconciled, as registerChild passes it on.
    assert after["duplicate_reports"] == before["duplicate_reports"] + 1


def _uuid(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


async def test_a_mapping_reads_another_layout(fresh_client: AsyncClient, fresh_db: str) -> None:
    token = await access_token(fresh_db, "demo-village")
    body = "学生名字,男女,生日,村\n林九,女,2016-07-07,伯浩村\n".encode("utf-8-sig")
    refused = await _upload(fresh_client, token, body)
    assert refused.status_code == 422
    assert {e["code"] for e in refused.json()["errors"]} == {"MISSING_COLUMN"}
    mapped = _report(
        await _upload(
            fresh_client, token, body, dryRun="true", areaCode=DEMO_VILLAGE[:9],
            map=["学生名字=姓名", "男女=性别", "生日=出生日期"],  # type: ignore[arg-type]
        )
    )  # fmt: skip
    assert mapped["counts"]["created"] == 1, mapped


async def test_bad_input_gets_clear_errors(fresh_client: AsyncClient, fresh_db: str) -> None:
    token = await access_token(fresh_db, "demo-village")
    good = factories.ledger(ROWS[:1])
    assert (await _upload(fresh_client, None, good)).status_code == 401
    county = await access_token(fresh_db, "demo-county")
    assert (await _upload(fresh_client, county, good)).json()["error"] == "FORBIDDEN"
    cases = {"UNREADABLE_FILE": b"PK\x03\x04 not really a workbook", "EMPTY_FILE": b"\xef\xbb\xbf"}
    for code, body in cases.items():
        response = await _upload(fresh_client, token, body)
        assert response.status_code == 422, response.text
        assert [e["code"] for e in response.json()["errors"]] == [code]
    binary = await _upload(fresh_client, token, b"\x00\x01\x02\xff" * 10)
    assert binary.status_code == 422 and binary.json()["errors"][0]["code"] == "UNREADABLE_FILE"
    gbk_garbage = await _upload(fresh_client, token, "姓名\n".encode("utf-16"))
    assert gbk_garbage.status_code == 422
    assert (await _upload(fresh_client, token, b"")).status_code == 400
    assert (await _upload(fresh_client, token, good, dryRun="maybe")).status_code == 400
    assert (await _upload(fresh_client, token, good, area="x")).status_code == 400
    bad_map = await _upload(fresh_client, token, good, map="姓名")
    assert bad_map.status_code == 400 and bad_map.json()["error"] == "BAD_MAPPING"
    unknown = await _upload(fresh_client, token, good, map="甲=乙")
    assert unknown.json()["error"] == "UNKNOWN_COLUMN"
    form = await fresh_client.post(
        "/imports/children",
        params={"dryRun": "true"},
        files={"file": ("台账.xlsx", good)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert _report(form)["counts"]["created"] == 1 and form.json()["fileName"] == "台账.xlsx"


async def test_a_child_of_a_family_on_file_joins_its_household(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    _report(await _upload(fresh_client, token, factories.ledger([ROWS[0]])))
    # A later ledger names the sister, with the same parents' ID numbers.
    joined = _report(await _upload(fresh_client, token, factories.ledger([ROWS[2]])))
    assert joined["counts"]["created"] == 1, joined
    found = await _imported(engine_for, fresh_db)
    assert found["张小红"].household_id == found["张小明"].household_id
    async with engine_for(fresh_db).connect() as conn:
        keys = await conn.scalar(
            text("SELECT keys FROM household_search_keys WHERE household_id = :id"),
            {"id": found["张小明"].household_id},
        )
    # The household is found by both children's names (its keys computed again).
    assert {"n=张小明", "n=张小红"} <= set(keys)
    again = _report(await _upload(fresh_client, token, factories.ledger([ROWS[2]])))
    assert again["counts"]["unchanged"] == 1, again


MERGE = mutation(
    "mergeChildren", "MergeChildrenInput", "child { id } duplicate { id mergedIntoId }"
)
VERSION = "query($id: ID!) { node(id: $id) { ... on Child { version } } }"


async def _version(client: AsyncClient, token: str, child_id: str) -> int:
    data = await query_data(client, token, VERSION, id=child_id)
    version: int = data["node"]["version"]
    return version


async def test_a_possible_duplicate_is_merged_and_the_ledger_again_changes_nothing(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    existing = await factories.child(fresh_client, token, DEMO_VILLAGE, name="周杰")
    born = parse_id_number(existing["idNumber"]).birth_date
    ledger = factories.ledger(
        [{"姓名": "周杰", "性别": "男", "出生日期": born.isoformat(), "地区代码": DEMO_VILLAGE,
          "父亲姓名": "张伟", "监护人": "周守仁", "监护人与儿童关系": "祖父"}]
    )  # fmt: skip
    (row,) = _report(await _upload(fresh_client, token, ledger))["rows"]
    assert row["possibleDuplicateOf"] == existing["id"]
    merged = await mutation_payload(
        fresh_client, token, MERGE, childId=existing["id"],
        expectedVersion=await _version(fresh_client, token, existing["id"]),
        duplicateId=row["childId"],
        duplicateExpectedVersion=await _version(fresh_client, token, row["childId"]),
    )  # fmt: skip
    assert merged["errors"] == []
    assert merged["duplicate"]["mergedIntoId"] == existing["id"]
    before = await _snapshot(engine_for, fresh_db)
    # The ledger again: its row is the kept file now, not a new duplicate of it.
    again = _report(await _upload(fresh_client, token, ledger))
    assert again["rows"] == [{"row": row["row"], "outcome": "unchanged", "childId": existing["id"]}]
    assert await _snapshot(engine_for, fresh_db) == before


async def test_imported_children_are_derived_as_derivation_derives_them(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    # New families' children are derived as they are written, not read back: derived again
    # from what the file holds, none of them changes.
    token = await access_token(fresh_db, "demo-village")
    _report(await _upload(fresh_client, token, factories.ledger(ROWS, "csv"), fileName="a.csv"))
    sessions = session_factory(engine_for(fresh_db), StatisticsSession)
    async with sessions() as session, session.begin():
        ids = list(
            await session.scalars(
                text("SELECT id FROM children WHERE name IN ('张小明', '王芳', '张小红')"
                     " AND derived_on IS NOT NULL")
            )
        )  # fmt: skip
        assert len(ids) == 3
        assert await refresh_children(session, ids, clock.today()) == 0
        await session.rollback()
