"""The xlsx ledgers: the children (台账), the visits (走访台账) and the statistics, read as
the GraphQL lists read them, masked as the caller's view masks, and audited."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from httpx import AsyncClient, Response
from openpyxl import load_workbook
from sqlalchemy import text

from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import TODAY, EngineFactory, access_token, service_client
from tests.graphql import query_data

CHILDREN = """query($f: ChildFilter, $after: String) {
  children(filter: $f, first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { name idNumber } } } }"""
VISITS = "{ visits(first: 100) { totalCount edges { node { id } } } }"


async def _get(client: AsyncClient, token: str | None, path: str) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.get(path, headers=headers)


def _sheet(response: Response) -> list[list[Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


async def _expected(client: AsyncClient, token: str, **filter: Any) -> set[tuple[str, str]]:
    """(name, ID number as shown) of every child the GraphQL list gives, page by page."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = (await query_data(client, token, CHILDREN, f=filter, after=after))["children"]
        nodes += [edge["node"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert len(nodes) == data["totalCount"] > 0
    return {(n["name"], n["idNumber"] or "") for n in nodes}


def _rows(table: list[list[Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    header, *rows = table
    return header, [dict(zip(header, row, strict=True)) for row in rows]


async def _check_ledger(client: AsyncClient, token: str, area: str, shown: str) -> None:
    expected = await _expected(client, token, areaCode=area)
    path = f"/exports/children.xlsx?areaCode={area}"
    header, rows = _rows(_sheet(await _get(client, token, path)))
    assert header[:4] == ["姓名", "性别", "出生日期", "身份证号"]
    assert {"村(社区)", "儿童类别", "是否重点儿童", "监护人", "下次走访日期"} <= set(header)
    assert {(r["姓名"], r["身份证号"] or "") for r in rows} == expected
    ids = [r["身份证号"] for r in rows if r["身份证号"]]
    assert ids
    assert all(bool(re.fullmatch(r"\d{6}\*{8}[\dX]{4}", i)) == (shown == "masked") for i in ids)
    assert all(r["地区代码"].startswith(area) for r in rows)


async def test_the_village_gets_its_children_with_full_id_numbers(
    demo_client: AsyncClient, demo_db: str
) -> None:
    await _check_ledger(
        demo_client, await access_token(demo_db, "demo-village"), DEMO_VILLAGE, "full"
    )


async def test_staff_who_read_files_without_id_numbers_get_them_masked(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    # A county granted the children's files but not their ID numbers (a policy a province
    # may set): its ledger masks them as its GraphQL view does.
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO casbin_rule (ptype, v0, v1, v2, v3) "
                "VALUES ('p', 'county_civil_affairs', '*', 'child_file', 'read')"
            )
        )
    token = await access_token(fresh_db, "demo-county")
    async for client in service_client(fresh_db):
        await _check_ledger(client, token, DEMO_VILLAGE, "masked")
    async with engine_for(fresh_db).connect() as conn:
        shown = (
            await conn.execute(
                text(
                    "SELECT cardinality(e.record_ids) AS records, count(r.id) AS files,"
                    " count(r.id) FILTER (WHERE r.id_number) AS full_ids"
                    " FROM audit_events e LEFT JOIN audit_reads r ON r.event_id = e.id"
                    " WHERE e.operation_name = '/exports/children.xlsx' GROUP BY e.id"
                )
            )
        ).one()
    # The files were shown (the full view), their ID numbers only masked: no read of one.
    assert shown.files > 0 and shown.records == shown.full_ids == 0


async def test_the_county_gets_what_its_list_shows_no_child_files(
    demo_client: AsyncClient, demo_db: str
) -> None:
    # County civil affairs reads statistics, not children's files: its list is empty.
    token = await access_token(demo_db, "demo-county")
    data = await query_data(demo_client, token, CHILDREN, f={"areaCode": DEMO_TOWNSHIP})
    assert data["children"]["totalCount"] == 0
    path = f"/exports/children.xlsx?areaCode={DEMO_TOWNSHIP}"
    header, rows = _rows(_sheet(await _get(demo_client, token, path)))
    assert rows == [] and header[0] == "姓名"


async def test_the_filters_are_the_lists_filters(demo_client: AsyncClient, demo_db: str) -> None:
    token = await access_token(demo_db, "demo-township")
    expected = await _expected(
        demo_client, token, areaCode=DEMO_TOWNSHIP, category="LEFT_BEHIND", minAge=6
    )
    path = f"/exports/children.xlsx?areaCode={DEMO_TOWNSHIP}&category=LEFT_BEHIND&minAge=6"
    _, rows = _rows(_sheet(await _get(demo_client, token, path)))
    assert {(r["姓名"], r["身份证号"] or "") for r in rows} == expected
    assert all("留守儿童" in r["儿童类别"] for r in rows)


@pytest.mark.parametrize("user", ["demo-school", "demo-ngo"])
async def test_schools_and_ngos_get_no_id_numbers_and_no_hidden_columns(
    demo_client: AsyncClient, demo_db: str, user: str
) -> None:
    token = await access_token(demo_db, user)
    expected = await _expected(demo_client, token)
    header, rows = _rows(_sheet(await _get(demo_client, token, "/exports/children.xlsx")))
    assert {(r["姓名"], "") for r in rows} == expected
    assert not {"身份证号", "出生日期", "是否重点儿童", "监护人"} & set(header)
    # A filter on a field the caller's view hides is refused, as the list refuses it.
    refused = await _get(demo_client, token, "/exports/children.xlsx?keyChild=true")
    assert refused.status_code == 403
    assert refused.json()["error"] == "FORBIDDEN_FILTER"


async def test_an_export_is_one_audit_event_with_its_filter_count_and_full_id_reads(
    demo_client: AsyncClient, demo_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(demo_db, "demo-village")
    path = f"/exports/children.xlsx?areaCode={DEMO_VILLAGE}&keyChild=false"
    _, rows = _rows(_sheet(await _get(demo_client, token, path)))
    with_ids = sum(1 for r in rows if r["身份证号"])
    engine = engine_for(demo_db)
    async with engine.connect() as conn:
        event = (
            await conn.execute(
                text(
                    "SELECT id, query_text, cardinality(record_ids) AS records FROM audit_events"
                    " WHERE operation_name = '/exports/children.xlsx'"
                    " ORDER BY occurred_at DESC, id DESC LIMIT 1"
                )
            )
        ).one()
        reads = (
            await conn.execute(
                text(
                    "SELECT count(*) AS files, count(*) FILTER (WHERE id_number) AS ids"
                    " FROM audit_reads WHERE event_id = :e"
                ),
                {"e": event.id},
            )
        ).one()
    assert f"areaCode={DEMO_VILLAGE}&keyChild=false" in event.query_text
    assert f"(children: {len(rows)})" in event.query_text
    assert event.records == reads.ids == with_ids > 0
    assert reads.files == len(rows)


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("keyChild=maybe", 400, "BAD_REQUEST"),
        ("minAge=40", 400, "OUT_OF_RANGE"),
        ("maxAge=-1", 400, "OUT_OF_RANGE"),
        ("category=orphans", 400, "BAD_REQUEST"),
        ("colour=red", 400, "BAD_REQUEST"),
    ],
)
async def test_bad_filters_are_4xx_in_both_languages(
    demo_client: AsyncClient, demo_db: str, query: str, status: int, code: str
) -> None:
    token = await access_token(demo_db, "demo-county")
    for path in (f"/exports/children.xlsx?{query}",) + (
        (f"/exports/visits.xlsx?{query}",) if query == "colour=red" else ()
    ):
        response = await _get(demo_client, token, path)
        assert response.status_code == status, response.text
        assert response.json()["error"] == code
        english = await demo_client.get(
            path, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        )
        assert re.search(r"[\u4e00-\u9fff]", response.json()["message"])
        assert english.json()["error"] == code
        assert english.json()["message"].isascii()


async def test_an_export_needs_credentials(demo_client: AsyncClient) -> None:
    for path in ("/exports/children.xlsx", "/exports/visits.xlsx"):
        response = await demo_client.get(path)
        assert response.status_code == 401
        assert response.json()["error"] == "UNAUTHENTICATED"


async def test_an_export_beyond_the_row_limit_is_refused(demo_db: str) -> None:
    token = await access_token(demo_db, "demo-township")
    async for client in service_client(demo_db, export_max_rows=3):
        for path in ("/exports/children.xlsx", "/exports/visits.xlsx"):
            response = await _get(client, token, path)
            assert response.status_code == 413, path
            assert response.json()["error"] == "EXPORT_TOO_LARGE"
        narrow = await _get(client, token, "/exports/children.xlsx?name=__nobody__")
        assert _sheet(narrow)[0][0] == "姓名"


async def test_the_visit_ledger_holds_the_visits_of_the_list(
    demo_client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    data = await query_data(demo_client, token, VISITS)
    header, rows = _rows(_sheet(await _get(demo_client, token, "/exports/visits.xlsx")))
    assert header[:2] == ["走访日期", "儿童姓名"]
    assert len(rows) == data["visits"]["totalCount"] > 0
    assert all(r["儿童姓名"] for r in rows)
    days = [r["走访日期"] for r in rows]
    assert days == sorted(days, reverse=True)
    _, township = _rows(
        _sheet(await _get(demo_client, token, f"/exports/visits.xlsx?areaCode={DEMO_VILLAGE}"))
    )
    assert all(r["地区代码"].startswith(DEMO_VILLAGE) for r in township)


async def test_statistics_xlsx_holds_the_csvs_numbers(
    demo_client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-county")
    query = f"area={DEMO_COUNTY}&asOf={TODAY}"
    csv_lines = (await _get(demo_client, token, f"/exports/statistics.csv?{query}")).content
    table = _sheet(await _get(demo_client, token, f"/exports/statistics.xlsx?{query}"))
    expected = [line.split(",") for line in csv_lines.decode("utf-8-sig").strip().split("\r\n")]
    assert [[str(cell) if cell is not None else "" for cell in row] for row in table] == expected
    bad = await _get(demo_client, token, "/exports/statistics.xlsx?area=")
    assert bad.status_code == 400


async def test_text_that_looks_like_a_formula_stays_text(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(
            text(
                "UPDATE children SET name = '=HYPERLINK(\"http://x\")' WHERE id = (SELECT id"
                " FROM children WHERE area_code = :v ORDER BY id LIMIT 1)"
            ),
            {"v": DEMO_VILLAGE},
        )
    token = await access_token(fresh_db, "demo-village")
    async for client in service_client(fresh_db):
        response = await _get(client, token, f"/exports/children.xlsx?areaCode={DEMO_VILLAGE}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [row[0] for row in book.worksheets[0].iter_rows(min_row=2)]
    odd = [cell for cell in cells if str(cell.value).startswith("=")]
    assert [(c.value, c.data_type) for c in odd] == [('=HYPERLINK("http://x")', "s")]


async def test_search_exports_only_the_matching_children_in_scope_and_is_audited(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    village = await access_token(fresh_db, "demo-village")
    village2 = await access_token(fresh_db, "demo-village2")
    await factories.child(fresh_client, village, DEMO_VILLAGE, name="尉迟韵涵")
    await factories.child(fresh_client, village2, DEMO_VILLAGE2, name="尉迟韵涵")
    await factories.child(fresh_client, village, DEMO_VILLAGE, name="尉迟明")
    for query in ("尉迟韵涵", "ycyh", "yuchiyunhan"):
        expected = await _expected(fresh_client, village, search=query)
        path = f"/exports/children.xlsx?search={query}"
        _, rows = _rows(_sheet(await _get(fresh_client, village, path)))
        # Only the village's own 尉迟韵涵: not its namesake next door, nor 尉迟明.
        assert {(r["姓名"], r["身份证号"] or "") for r in rows} == expected, query
        assert [r["姓名"] for r in rows] == ["尉迟韵涵"], query
        assert rows[0]["地区代码"] == DEMO_VILLAGE
    # A township's export finds both namesakes; the filters narrow a search as in the list.
    township = await access_token(fresh_db, "demo-township")
    path = f"/exports/children.xlsx?search=ycyh&areaCode={DEMO_VILLAGE2}"
    _, rows = _rows(_sheet(await _get(fresh_client, township, path)))
    assert [(r["姓名"], r["地区代码"]) for r in rows] == [("尉迟韵涵", DEMO_VILLAGE2)]
    async with engine_for(fresh_db).connect() as conn:
        audited = await conn.scalar(
            text(
                "SELECT query_text FROM audit_events WHERE operation_name = "
                "'/exports/children.xlsx' ORDER BY occurred_at DESC, id DESC LIMIT 1"
            )
        )
    assert "search=ycyh" in audited and "(children: 1)" in audited
