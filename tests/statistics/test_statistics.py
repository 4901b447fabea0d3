"""Area statistics: the rollup kept by the writes, authorization, suppression, CSV, cost."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text

from app import clock
from app.domain.measures import MEASURES, OPERATIONAL, TREND_QUARTERS
from app.domain.quarters import add_quarters, quarter_start
from app.domain.suppression import is_small
from app.seed.demo import DEMO_CITY, DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE
from app.services.statistics.refresh import refresh_statistics
from tests.conftest import TODAY, EngineFactory, access_token
from tests.graphql import counting_statements, gid, graphql_body, query_data

COUNTS = (
    "areaCode areaName level children leftBehind difficultyEconomic difficultyDisability "
    "difficultyIllness difficultySafety scatteredOrphan keyChildren livingAlone "
    "leftBehindWithoutGuardian visited visitCoverage visitsOverdue "
    "openCasesByStage { stage count } casesOverdue dropoutCases "
    "reportsBySource { source count } absenceDays suppressed"
)
STATISTICS = f"""
query Statistics($area: String!, $asOf: Date, $first: Int, $after: String) {{
  areaStatistics(areaCode: $area, asOf: $asOf) {{
    quarter quarterStart asOf
    total {{ {COUNTS} }}
    rows(first: $first, after: $after) {{
      totalCount edges {{ cursor node {{ {COUNTS} }} }} pageInfo {{ hasNextPage endCursor }}
    }}
    trend {{ quarter children leftBehind keyChildren visited visitsOverdue casesOverdue
             suppressed }}
  }}
}}
"""
# The measures as plain SQL over the raw tables (the oracle), per village, for the quarter
# [:qs, :qe) and the day :today.
ORACLE = """
WITH c AS (SELECT * FROM children WHERE deleted_at IS NULL AND status = 'active'),
o AS (SELECT * FROM cases WHERE deleted_at IS NULL)
SELECT a.code AS area_code,
  (SELECT count(*) FROM c WHERE c.area_code = a.code) AS children,
  (SELECT count(*) FROM c WHERE c.area_code = a.code AND categories @> '{left_behind}')
    AS left_behind,
  (SELECT count(*) FROM c WHERE c.area_code = a.code AND categories @> '{difficulty_economic}')
    AS difficulty_economic,
  (SELECT count(*) FROM c WHERE c.area_code = a.code
     AND categories @> '{difficulty_disability}') AS difficulty_disability,
  (SELECT count(*) FROM c WHERE c.area_code = a.code AND categories @> '{difficulty_illness}')
    AS difficulty_illness,
  (SELECT count(*) FROM c WHERE c.area_code = a.code AND categories @> '{difficulty_safety}')
    AS difficulty_safety,
  (SELECT count(*) FROM c WHERE c.area_code = a.code AND categories @> '{scattered_orphan}')
    AS scattered_orphan,
  (SELECT count(*) FROM c WHERE c.area_code = a.code AND is_key_child) AS key_children,
  (SELECT count(*) FROM c WHERE c.area_code = a.code AND living_arrangement = 'alone')
    AS living_alone,
  (SELECT count(*) FROM c WHERE c.area_code = a.code AND categories @> '{left_behind}'
     AND NOT has_confirmed_guardian) AS without_guardian,
  (SELECT count(DISTINCT v.child_id) FROM visits v JOIN c ON c.id = v.child_id
     WHERE c.area_code = a.code AND v.deleted_at IS NULL
       AND v.visited_at >= :qs AND v.visited_at < :qe) AS visited,
  (SELECT count(*) FROM c WHERE c.area_code = a.code AND next_visit_due < :today)
    AS visits_overdue,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND stage = 'reported') AS cases_reported,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND stage = 'emergency_response')
    AS cases_emergency_response,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND stage = 'assessment')
    AS cases_assessment,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND stage = 'assistance')
    AS cases_assistance,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND stage = 'intervention')
    AS cases_intervention,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND stage = 'follow_up')
    AS cases_follow_up,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND stage <> 'closed' AND due_at < :now)
    AS cases_overdue,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND stage <> 'closed'
     AND category = 'dropout') AS dropout_cases,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND source = 'village'
     AND reported_at >= :qs AND reported_at < :qe) AS reports_village,
  (SELECT count(*) FROM o WHERE o.area_code = a.code AND source = 'school'
     AND reported_at >= :qs AND reported_at < :qe) AS reports_school,
  (SELECT count(*) FROM absence_records r WHERE r.area_code = a.code AND NOT excused
     AND absent_on >= :qs AND absent_on < :qe) AS absence_days
FROM areas a WHERE a.code LIKE :prefix || '%' AND a.level = 'village'
"""


async def _oracle(conn: Any, prefix: str, today: date) -> dict[str, dict[str, int]]:
    qs = quarter_start(today)
    qe = add_quarters(qs, 1)
    params = {"qs": qs, "qe": qe, "today": today, "now": clock.now(), "prefix": prefix}
    rows = await conn.execute(text(ORACLE), params)
    return {row.area_code: dict(row._mapping) for row in rows}


async def _rollup(conn: Any, prefix: str, quarter: date) -> dict[str, dict[str, Any]]:
    rows = await conn.execute(
        text(
            "SELECT * FROM area_quarter_statistics WHERE area_code LIKE :prefix || '%' "
            "AND quarter = :q"
        ),
        {"prefix": prefix, "q": quarter},
    )
    return {row.area_code: dict(row._mapping) for row in rows}


async def _township_differences(conn: Any) -> list[Any]:
    """Township rows that are not the sums of their villages' rows."""
    sums = ", ".join(f"sum(v.{m.name}) AS {m.name}" for m in MEASURES)
    differing = " OR ".join(f"t.{m.name} <> coalesce(s.{m.name}, 0)" for m in MEASURES)
    rows = await conn.execute(
        text(
            f"SELECT t.area_code, t.quarter FROM township_quarter_statistics t LEFT JOIN "
            f"(SELECT substr(area_code, 1, 9) AS township, quarter, {sums} "
            f"FROM area_quarter_statistics v GROUP BY 1, 2) s "
            f"ON s.township = t.area_code AND s.quarter = t.quarter WHERE {differing}"
        )
    )
    return list(rows)


def _differences(
    oracle: dict[str, dict[str, int]], rollup: dict[str, dict[str, Any]]
) -> list[tuple[str, str, int, int]]:
    found = []
    for code, expected in oracle.items():
        got = rollup.get(code, {})
        for name, value in expected.items():
            if name != "area_code" and got.get(name, 0) != value:
                found.append((code, name, value, got.get(name, 0)))
    return found


async def test_the_seeded_rollup_equals_counting_the_files(
    demo_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(demo_db).connect() as conn:
        oracle = await _oracle(conn, DEMO_COUNTY, TODAY)
        rollup = await _rollup(conn, DEMO_COUNTY, quarter_start(TODAY))
        quarters = await conn.scalar(
            text("SELECT count(DISTINCT quarter) FROM township_quarter_statistics")
        )
        townships = await _township_differences(conn)
    assert sum(row["children"] for row in oracle.values()) > 500
    assert sum(row["visited"] for row in oracle.values()) > 100
    assert _differences(oracle, rollup) == []
    assert quarters == TREND_QUARTERS
    assert townships == []


async def test_writes_through_the_api_keep_the_rollup_current(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    today = TODAY
    engine = engine_for(fresh_db)
    async with engine.connect() as conn:
        child = await conn.scalar(
            text(
                "SELECT id FROM children c WHERE area_code = :v AND status = 'active' "
                "AND NOT EXISTS (SELECT FROM visits v WHERE v.child_id = c.id "
                "AND v.visited_at >= :qs) ORDER BY id LIMIT 1"
            ),
            {"v": DEMO_VILLAGE, "qs": quarter_start(today)},
        )
    village = await access_token(fresh_db, "demo-village")
    township = await access_token(fresh_db, "demo-township")

    async def village_row() -> dict[str, Any]:
        data = await query_data(fresh_client, township, STATISTICS, area=DEMO_TOWNSHIP, first=100)
        rows = [e["node"] for e in data["areaStatistics"]["rows"]["edges"]]
        return next(r for r in rows if r["areaCode"] == DEMO_VILLAGE)

    before = await village_row()
    visit = await query_data(
        fresh_client,
        village,
        "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { errors { code } } }",
        input={
            "childId": gid("Child", child), "visitedAt": datetime.now(UTC).isoformat(),
            "kind": "ROUTINE", "livingConditions": "GOOD", "guardianship": "GOOD",
            "schooling": "GOOD", "health": "GOOD", "mentalState": "GOOD",
        },
    )  # fmt: skip
    assert visit["recordVisit"]["errors"] == []
    report = await query_data(
        fresh_client,
        village,
        "mutation($input: ReportConcernInput!) { reportConcern(input: $input) "
        "{ errors { code } } }",
        input={"childId": gid("Child", child), "category": "OTHER", "description": "情况异常"},
    )
    assert report["reportConcern"]["errors"] == []
    after = await village_row()
    assert after["visited"] == before["visited"] + 1

    def stage(row: dict[str, Any], name: str) -> int:
        return int(next(s["count"] for s in row["openCasesByStage"] if s["stage"] == name))

    def source(row: dict[str, Any], name: str) -> int:
        return int(next(s["count"] for s in row["reportsBySource"] if s["source"] == name))

    assert stage(after, "REPORTED") == stage(before, "REPORTED") + 1
    assert source(after, "VILLAGE") == source(before, "VILLAGE") + 1
    async with engine.connect() as conn:
        oracle = await _oracle(conn, DEMO_TOWNSHIP, today)
        rollup = await _rollup(conn, DEMO_TOWNSHIP, quarter_start(today))
        townships = await _township_differences(conn)
    assert _differences(oracle, rollup) == []
    assert townships == []


async def test_a_move_refreshes_both_villages(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    target = DEMO_VILLAGE[:-1] + "2"
    async with engine.connect() as conn:
        child = (
            await conn.execute(
                # A child without siblings on file: its family moves along.
                text("SELECT id, version FROM children c WHERE area_code = :v AND status = "
                     "'active' AND NOT EXISTS (SELECT 1 FROM children s WHERE s.household_id "
                     "= c.household_id AND s.id <> c.id AND s.status = 'active') "
                     "ORDER BY id LIMIT 1"), {"v": DEMO_VILLAGE},
            )
        ).one()  # fmt: skip
    township = await access_token(fresh_db, "demo-township")
    moved = await query_data(
        fresh_client,
        township,
        "mutation($input: MoveChildInput!) { moveChild(input: $input) { errors { code } } }",
        input={"id": gid("Child", child.id), "expectedVersion": child.version,
               "toAreaCode": target},
    )  # fmt: skip
    assert moved["moveChild"]["errors"] == []
    async with engine.connect() as conn:
        oracle = await _oracle(conn, DEMO_TOWNSHIP, TODAY)
        rollup = await _rollup(conn, DEMO_TOWNSHIP, quarter_start(TODAY))
        townships = await _township_differences(conn)
    assert _differences(oracle, rollup) == []
    assert townships == []


def _not_found(body: dict[str, Any]) -> bool:
    return body.get("data") is None and [e["extensions"]["code"] for e in body["errors"]] == [
        "NOT_FOUND"
    ]


@pytest.mark.parametrize(
    ("user", "area"),
    [
        ("demo-village", DEMO_VILLAGE),
        ("demo-village", DEMO_TOWNSHIP),
        ("demo-ngo", DEMO_COUNTY),
        ("demo-school", DEMO_TOWNSHIP),
        ("demo-police", DEMO_TOWNSHIP),
        ("demo-centre", DEMO_COUNTY),
        ("demo-admin", "42"),
        ("demo-county", "420703"),  # another county
        ("demo-county", DEMO_CITY),  # above the county
        ("demo-township", DEMO_COUNTY),
        ("demo-township", "420702101"),  # another township
        ("demo-city", "4201"),  # another city
        ("demo-county", "420702999"),  # no such township
        ("demo-county", "4207021"),  # not an area code
    ],
)
async def test_out_of_scope_looks_like_not_found(
    demo_client: AsyncClient, demo_db: str, user: str, area: str
) -> None:
    token = await access_token(demo_db, user)
    body = await graphql_body(demo_client, token, STATISTICS, area=area, first=100)
    assert _not_found(body), body


async def test_township_sees_its_villages_unsuppressed(
    demo_client: AsyncClient, demo_db: str, engine_for: EngineFactory
) -> None:
    data = await query_data(
        demo_client, await access_token(demo_db, "demo-township"), STATISTICS,
        area=DEMO_TOWNSHIP, asOf=TODAY.isoformat(), first=100,
    )  # fmt: skip
    stats = data["areaStatistics"]
    rows = [e["node"] for e in stats["rows"]["edges"]]
    async with engine_for(demo_db).connect() as conn:
        villages = await conn.scalar(
            text("SELECT count(*) FROM areas WHERE parent_code = :t"), {"t": DEMO_TOWNSHIP}
        )
        oracle = await _oracle(conn, DEMO_TOWNSHIP, TODAY)
    assert len(rows) == stats["rows"]["totalCount"] == villages
    assert all(r["suppressed"] == [] for r in [*rows, stats["total"]])
    assert {r["areaCode"]: r["leftBehind"] for r in rows} == {
        code: row["left_behind"] for code, row in oracle.items()
    }
    assert stats["total"]["children"] == sum(r["children"] for r in rows)
    # Small counts are shown to the township: the demo has villages with 1 to 4 of something.
    assert any(is_small(r["keyChildren"]) for r in rows)
    assert len(stats["trend"]) == TREND_QUARTERS
    assert stats["trend"][-1]["children"] == stats["total"]["children"]


def _cells(counts: dict[str, Any]) -> dict[str, int | None]:
    """Every count of a row by its name in `suppressed`."""
    cells = {m.field: counts[m.field] for m in MEASURES if "." not in m.field and m.field in counts}
    for item in counts["openCasesByStage"]:
        cells[f"openCasesByStage.{item['stage'].lower()}"] = item["count"]
    for item in counts["reportsBySource"]:
        cells[f"reportsBySource.{item['source'].lower()}"] = item["count"]
    return cells


# What a county sees in full of its townships (docs/authorization.md): the counts it acts on.
IN_FULL = {m.field for m in OPERATIONAL}


@pytest.mark.parametrize(
    ("user", "area", "in_full"),
    [("demo-county", DEMO_COUNTY, IN_FULL), ("demo-city", DEMO_CITY, set())],
)
async def test_counties_and_above_never_see_small_counts_below_them(
    demo_client: AsyncClient, demo_db: str, user: str, area: str, in_full: set[str]
) -> None:
    data = await query_data(
        demo_client, await access_token(demo_db, user), STATISTICS, area=area,
        asOf=TODAY.isoformat(), first=100,
    )  # fmt: skip
    stats = data["areaStatistics"]
    rows = [e["node"] for e in stats["rows"]["edges"]]
    assert rows and stats["total"]["suppressed"] == []
    hidden = 0
    for row in rows:
        cells = _cells(row)
        assert not [
            name
            for name, count in cells.items()
            if count is not None and is_small(count) and name not in in_full
        ]
        assert not in_full & set(row["suppressed"])
        assert sorted(name for name, count in cells.items() if count is None) == sorted(
            name for name in row["suppressed"] if name != "visitCoverage"
        )
        hidden += len(row["suppressed"])
    assert hidden, "the demo has small counts below the county"
    # No group has exactly one hidden cell: it would be the total minus the others.
    for name in _cells(stats["total"]):
        assert sum(_cells(row)[name] is None for row in rows) != 1, name


async def test_an_area_total_is_the_row_its_parent_publishes(
    demo_client: AsyncClient, demo_db: str
) -> None:
    for user, parent, child in (
        ("demo-city", DEMO_CITY, DEMO_COUNTY),
        ("demo-city", DEMO_COUNTY, DEMO_TOWNSHIP),
        ("demo-county", DEMO_COUNTY, DEMO_TOWNSHIP),
    ):
        token = await access_token(demo_db, user)
        above = await query_data(demo_client, token, STATISTICS, area=parent, first=100)
        below = await query_data(demo_client, token, STATISTICS, area=child, first=100)
        row = next(
            e["node"]
            for e in above["areaStatistics"]["rows"]["edges"]
            if e["node"]["areaCode"] == child
        )
        assert row == below["areaStatistics"]["total"], (user, parent, child)


async def test_pages_of_rows_follow_the_codes(demo_client: AsyncClient, demo_db: str) -> None:
    token = await access_token(demo_db, "demo-county")
    everything = await query_data(demo_client, token, STATISTICS, area=DEMO_COUNTY, first=100)
    first = await query_data(demo_client, token, STATISTICS, area=DEMO_COUNTY, first=3)
    page = first["areaStatistics"]["rows"]
    rest = await query_data(
        demo_client, token, STATISTICS, area=DEMO_COUNTY, first=100,
        after=page["pageInfo"]["endCursor"],
    )  # fmt: skip
    codes = [e["node"]["areaCode"] for e in everything["areaStatistics"]["rows"]["edges"]]
    paged = [e["node"]["areaCode"] for e in page["edges"]] + [
        e["node"]["areaCode"] for e in rest["areaStatistics"]["rows"]["edges"]
    ]
    assert page["pageInfo"]["hasNextPage"] and paged == codes == sorted(codes)


async def test_a_statistics_request_costs_the_same_few_statements_at_every_level(
    demo_client: AsyncClient, demo_db: str
) -> None:
    counts = {}
    for user, area in (
        ("demo-township", DEMO_TOWNSHIP),
        ("demo-county", DEMO_COUNTY),
        ("demo-city", DEMO_CITY),
        ("demo-city", DEMO_TOWNSHIP),
    ):
        token = await access_token(demo_db, user)
        await query_data(demo_client, token, STATISTICS, area=area)  # warm the caller's caches
        with counting_statements(demo_client) as statements:
            await query_data(demo_client, token, STATISTICS, area=area)
        counts[area] = len(statements)
    # set_config for row-level security, the areas, the sums.
    assert set(counts.values()) == {3}, counts


async def _csv(client: AsyncClient, token: str | None, query: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.get(f"/exports/statistics.csv?{query}", headers=headers)


async def test_csv_export_publishes_the_same_numbers(
    demo_client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-city")
    data = await query_data(
        demo_client, token, STATISTICS, area=DEMO_COUNTY, asOf=TODAY.isoformat(), first=100
    )
    response = await _csv(demo_client, token, f"area={DEMO_COUNTY}&asOf={TODAY}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, total, *rows = table
    assert header[:2] == ["地区代码", "地区名称"]
    stats = data["areaStatistics"]
    expected = [stats["total"]] + [e["node"] for e in stats["rows"]["edges"]]
    assert [r[0] for r in [total, *rows]] == [e["areaCode"] for e in expected]
    for line, counts in zip([total, *rows], expected, strict=True):
        cells = _cells(counts)
        published = ["*" if cells[m.field] is None else str(cells[m.field]) for m in MEASURES]
        assert line[2 : 2 + len(MEASURES)] == published, counts["areaCode"]


def _township_sums(oracle: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The oracle's village counts summed per township."""
    sums: dict[str, dict[str, int]] = {}
    for code, row in oracle.items():
        township = sums.setdefault(code[:9], {m.name: 0 for m in OPERATIONAL})
        for m in OPERATIONAL:
            township[m.name] += row[m.name]
    return sums


async def test_a_county_sees_its_townships_operational_counts_exactly(
    demo_client: AsyncClient, demo_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(demo_db).connect() as conn:
        expected = _township_sums(await _oracle(conn, DEMO_COUNTY, TODAY))
    published = {}
    for user in ("demo-county", "demo-city"):
        data = await query_data(
            demo_client, await access_token(demo_db, user), STATISTICS, area=DEMO_COUNTY,
            asOf=TODAY.isoformat(), first=100,
        )  # fmt: skip
        rows = [e["node"] for e in data["areaStatistics"]["rows"]["edges"]]
        published[user] = {r["areaCode"]: {m.name: r[m.field] for m in OPERATIONAL} for r in rows}
    assert published["demo-county"] == expected
    small = {
        (code, name)
        for code, counts in expected.items()
        for name, count in counts.items()
        if is_small(count)
    }
    assert small, "the demo has townships with 1 to 4 children alone, late or unguarded"
    # The city reads the same townships with those small counts hidden.
    assert all(published["demo-city"][code][name] is None for code, name in small)
    # The county reading one township: its total is the county's row, its villages protected.
    township = await query_data(
        demo_client, await access_token(demo_db, "demo-county"), STATISTICS,
        area=DEMO_TOWNSHIP, asOf=TODAY.isoformat(), first=100,
    )  # fmt: skip
    stats = township["areaStatistics"]
    assert {m.name: stats["total"][m.field] for m in OPERATIONAL} == expected[DEMO_TOWNSHIP]
    for row in (e["node"] for e in stats["rows"]["edges"]):
        assert not [n for n, c in _cells(row).items() if c is not None and is_small(c)], row


async def test_the_county_export_stays_suppressed(
    demo_client: AsyncClient, demo_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(demo_db).connect() as conn:
        expected = _township_sums(await _oracle(conn, DEMO_COUNTY, TODAY))
    token = await access_token(demo_db, "demo-county")
    response = await _csv(demo_client, token, f"area={DEMO_COUNTY}&asOf={TODAY}")
    assert response.status_code == 200
    header, _total, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    column = {m.name: header.index(m.label) for m in OPERATIONAL}
    hidden = 0
    for line in rows:
        cells = line[2 : 2 + len(MEASURES)]
        assert not [c for c in cells if c != "*" and is_small(int(c))], line[0]
        for name, index in column.items():
            if is_small(expected[line[0]][name]):
                assert line[index] == "*", (line[0], name)
                hidden += 1
    assert hidden


@pytest.mark.parametrize(
    ("user", "query", "status"),
    [
        (None, f"area={DEMO_COUNTY}", 401),
        ("demo-county", "area=420703", 404),
        ("demo-village", f"area={DEMO_VILLAGE}", 404),
        ("demo-county", f"area={DEMO_COUNTY}&asOf=2026-13-01", 400),
        ("demo-county", "", 400),
    ],
)
async def test_csv_export_refuses_clearly(
    demo_client: AsyncClient, demo_db: str, user: str | None, query: str, status: int
) -> None:
    token = await access_token(demo_db, user) if user else None
    response = await _csv(demo_client, token, query)
    assert response.status_code == status, response.text


async def test_past_quarters_are_derived_from_the_dated_records(
    demo_db: str, engine_for: EngineFactory
) -> None:
    previous = add_quarters(quarter_start(TODAY), -1)
    async with engine_for(demo_db).connect() as conn:
        rollup = (
            await conn.execute(
                text(
                    "SELECT sum(visited) AS visited, sum(children) AS children, "
                    "sum(reports_village + reports_school + reports_kindergarten + "
                    "reports_clinic + reports_ngo + reports_police + reports_public + "
                    "reports_hotline) AS reports FROM area_quarter_statistics "
                    "WHERE quarter = :q AND area_code LIKE :county || '%'"
                ),
                {"q": previous, "county": DEMO_COUNTY},
            )
        ).one()
        visited = await conn.scalar(
            text(
                "SELECT count(DISTINCT v.child_id) FROM visits v JOIN children c "
                "ON c.id = v.child_id WHERE c.deleted_at IS NULL AND v.deleted_at IS NULL "
                "AND v.visited_at >= :qs AND v.visited_at < :qe AND c.area_code LIKE :county || '%'"
            ),
            {"qs": previous, "qe": quarter_start(TODAY), "county": DEMO_COUNTY},
        )
        reports = await conn.scalar(
            text(
                "SELECT count(*) FROM cases WHERE reported_at >= :qs AND reported_at < :qe "
                "AND area_code LIKE :county || '%'"
            ),
            {"qs": previous, "qe": quarter_start(TODAY), "county": DEMO_COUNTY},
        )
    assert rollup.visited == visited > 0
    assert rollup.reports == reports
    assert 0 < rollup.visited <= rollup.children


async def test_the_daily_refresh_catches_writes_that_bypass_the_orm(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE children SET living_arrangement = 'alone' WHERE area_code = :v"),
            {"v": DEMO_VILLAGE},
        )
    async with engine.connect() as conn:
        assert _differences(
            await _oracle(conn, DEMO_VILLAGE, TODAY),
            await _rollup(conn, DEMO_VILLAGE, quarter_start(TODAY)),
        )
    async with engine.begin() as conn:
        await refresh_statistics(conn, None, clock.now())
    async with engine.connect() as conn:
        assert not _differences(
            await _oracle(conn, DEMO_TOWNSHIP, TODAY),
            await _rollup(conn, DEMO_TOWNSHIP, quarter_start(TODAY)),
        )
