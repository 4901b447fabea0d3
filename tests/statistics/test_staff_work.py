"""The supervisor's view (staffWork) and the county's assessment numbers: each number equals
the records it counts, the county's rows sum its townships, others are refused, the exports
publish the same numbers, and the view costs the same statements for any number of
directors."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook

from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from tests.conftest import PINNED_NOW, TODAY
from tests.graphql import counting_statements, graphql_response, query_data
from tests.world import World, key_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
COUNTS = """childrenInFiles keyChildren visitedChildren visitCoverage visitsDone
            visitsOverdue openCases overdueCases lastActivityAt suppressed"""
AREA = f"""areaCode areaName townships townshipsWithSupervisor villages villagesWithDirector
           directorCoverage directors trainedDirectors trainingRate supervisors {COUNTS}"""
WORK = f"""
query($area: String!, $quarter: Date) {{ staffWork(areaCode: $area, quarter: $quarter) {{
  areaCode areaName level quarter periodStart periodEnd
  total {{ {AREA} }}
  directors {{ staffId name role villageCode villageName appointedOn trainedOn refresherDue
              trainingOwed {COUNTS} }}
  townships {{ {AREA} }} }} }}
"""
# TODAY is 2026-11-23: its quarter is 2026Q4.
Q_START = datetime(2026, 10, 1, tzinfo=SHANGHAI)
Q_END = datetime(2027, 1, 1, tzinfo=SHANGHAI)
IN_QUARTER = datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI)
# The quarter's first moment, local time: in it (a UTC clock would put it in Q3).
FIRST_MOMENT = datetime(2026, 10, 1, 0, 30, tzinfo=SHANGHAI)
BEFORE_QUARTER = datetime(2026, 9, 30, 23, 30, tzinfo=SHANGHAI)
CHILD_FIELDS = {
    "childrenInFiles": "children",
    "keyChildren": "key",
    "visitedChildren": "visited",
    "visitsOverdue": "overdue",
    "openCases": "open",
    "overdueCases": "late",
}

_VILLAGE_ORACLE = """
SELECT
  (SELECT count(*) FROM children c WHERE c.area_code = :v AND c.status = 'active'
     AND c.deleted_at IS NULL) AS children,
  (SELECT count(*) FROM children c WHERE c.area_code = :v AND c.status = 'active'
     AND c.deleted_at IS NULL AND c.is_key_child) AS key,
  (SELECT count(DISTINCT x.child_id) FROM visits x JOIN children c ON c.id = x.child_id
     WHERE c.area_code = :v AND c.status = 'active' AND c.deleted_at IS NULL
     AND x.deleted_at IS NULL AND x.visited_at >= :start AND x.visited_at < :end) AS visited,
  (SELECT count(*) FROM children c WHERE c.area_code = :v AND c.status = 'active'
     AND c.deleted_at IS NULL AND c.next_visit_due < :today) AS overdue,
  (SELECT count(*) FROM cases k WHERE k.area_code = :v AND k.stage <> 'closed'
     AND k.deleted_at IS NULL) AS open,
  (SELECT count(*) FROM cases k WHERE k.area_code = :v AND k.stage <> 'closed'
     AND k.deleted_at IS NULL AND k.due_at < :now) AS late
"""
_PERSON_ORACLE = """
SELECT
  (SELECT count(*) FROM visits x WHERE x.visitor_id = :u AND x.deleted_at IS NULL
     AND x.visited_at >= :start AND x.visited_at < :end) AS done,
  greatest((SELECT max(visited_at) FROM visits WHERE visitor_id = :u AND deleted_at IS NULL),
           (SELECT max(occurred_at) FROM audit_events WHERE actor_user_id = :u)) AS last
"""


async def _user(world: World, username: str) -> uuid.UUID:
    found: uuid.UUID = await world.scalar("SELECT id FROM users WHERE username = :u", u=username)
    return found


async def _child(world: World, village: str, offset: int = 0) -> uuid.UUID:
    found: uuid.UUID = await world.scalar(
        "SELECT id FROM children WHERE area_code = :v AND status = 'active' "
        "AND deleted_at IS NULL ORDER BY id OFFSET :o LIMIT 1",
        v=village, o=offset,
    )  # fmt: skip
    return found


async def _visit(
    world: World, child: uuid.UUID, village: str, visitor: uuid.UUID, at: datetime
) -> None:
    await world.execute(
        "INSERT INTO visits (id, child_id, area_code, visitor_id, visited_at, kind, "
        "living_conditions, guardianship, schooling, health, mental_state) VALUES "
        "(gen_random_uuid(), :child, :area, :visitor, :at, 'routine', 'good', 'good', 'good', "
        "'good', 'good')",
        child=child, area=village, visitor=visitor, at=at,
    )  # fmt: skip


async def _case(world: World, child: uuid.UUID, village: str, stage: str, due: datetime) -> None:
    await world.execute(
        "INSERT INTO cases (id, child_id, area_code, category, source, reported_at, "
        "description, stage, stage_entered_at, due_at) VALUES (gen_random_uuid(), :child, "
        ":area, 'living_alone', 'village', :at, 'fixture', :stage, :at, :due)",
        child=child, area=village, at=due - timedelta(days=3), stage=stage, due=due,
    )  # fmt: skip


async def _scene(world: World) -> dict[str, uuid.UUID]:
    """Director 1 (伯浩村): a visit in the quarter, one at its first local moment, one just
    before it; a passed training in March. Director 2 (朝英村): a visit in the quarter by
    someone else only, an audited action today, a failed training. A child of village 1
    overdue, an open case and an overdue one in village 2, a closed overdue one (not
    counted)."""
    one, two = await _user(world, "demo-village"), await _user(world, "demo-village2")
    supervisor = await _user(world, "demo-township")
    a, b = await _child(world, DEMO_VILLAGE), await _child(world, DEMO_VILLAGE2)
    await _visit(world, a, DEMO_VILLAGE, one, IN_QUARTER)
    await _visit(world, a, DEMO_VILLAGE, one, FIRST_MOMENT)
    await _visit(world, a, DEMO_VILLAGE, one, BEFORE_QUARTER)
    await _visit(world, b, DEMO_VILLAGE2, supervisor, IN_QUARTER)
    overdue = await _child(world, DEMO_VILLAGE, 1)
    await world.execute(
        "UPDATE children SET next_visit_due = :due WHERE id = :id",
        due=TODAY - timedelta(days=10), id=overdue,
    )  # fmt: skip
    await _case(world, b, DEMO_VILLAGE2, "assessment", PINNED_NOW + timedelta(days=5))
    await _case(world, b, DEMO_VILLAGE2, "assistance", PINNED_NOW - timedelta(days=5))
    await _case(world, b, DEMO_VILLAGE2, "closed", PINNED_NOW - timedelta(days=5))
    # The demo's trainings of the two (app/seed/demo.py) give way to the scene's.
    await world.execute(
        "DELETE FROM staff_trainings WHERE user_id IN (:one, :two)", one=one, two=two
    )
    await world.execute(
        "INSERT INTO staff_trainings (id, user_id, trained_on, course, result) VALUES "
        "(gen_random_uuid(), :one, '2026-03-01', '儿童主任岗前培训', 'passed'), "
        "(gen_random_uuid(), :two, '2026-03-01', '儿童主任岗前培训', 'failed')",
        one=one, two=two,
    )  # fmt: skip
    await world.execute(
        "INSERT INTO audit_events (actor_user_id, actor_label, action, occurred_at) "
        "VALUES (:two, 'demo-village2', 'update', :at)",
        two=two, at=PINNED_NOW - timedelta(hours=2),
    )  # fmt: skip
    return {"one": one, "two": two, "supervisor": supervisor}


async def _oracle(world: World, village: str) -> dict[str, int]:
    row = await world.row(
        _VILLAGE_ORACLE, v=village, start=Q_START, end=Q_END, today=TODAY, now=PINNED_NOW
    )
    return dict(row._mapping)


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def _work(client: AsyncClient, world: World, user: str, area: str, **more: Any) -> Any:
    data = await query_data(client, await world.token(user), WORK, area=area, **more)
    return data["staffWork"]


async def test_the_supervisors_view_matches_the_records_it_counts(
    fresh_client: AsyncClient, world: World
) -> None:
    before = await _work(fresh_client, world, "demo-township", DEMO_TOWNSHIP)
    people = await _scene(world)
    work = await _work(fresh_client, world, "demo-township", DEMO_TOWNSHIP)
    assert (work["level"], work["quarter"]) == ("TOWNSHIP", "2026Q4")
    assert (work["periodStart"], work["periodEnd"]) == ("2026-10-01", "2026-12-31")
    assert work["townships"] == []
    # Every director in post in the township, by village.
    directors = await world.rows(
        "SELECT id::text, area_code FROM users WHERE role = 'village_director' AND is_active "
        "AND deleted_at IS NULL AND area_code LIKE :t || '%' ORDER BY area_code",
        t=DEMO_TOWNSHIP,
    )
    assert sorted((key_of(r["staffId"]), r["villageCode"]) for r in work["directors"]) == sorted(
        (user, area) for user, area in directors
    )
    by_user = {key_of(r["staffId"]): r for r in work["directors"]}
    one, two = by_user[str(people["one"])], by_user[str(people["two"])]
    assert (one["villageCode"], two["villageCode"]) == (DEMO_VILLAGE, DEMO_VILLAGE2)
    assert (one["name"], one["villageName"], one["role"]) == (
        "伯浩村儿童主任", "伯浩村委会", "VILLAGE_DIRECTOR",
    )  # fmt: skip
    # Trained: the passed training only, its refresher a year on; a failed one is none.
    assert (one["trainedOn"], one["refresherDue"], one["trainingOwed"]) == (
        "2026-03-01", "2027-03-01", False,
    )  # fmt: skip
    assert (two["trainedOn"], two["refresherDue"], two["trainingOwed"]) == (None, None, True)
    for user, row in by_user.items():
        village = row["villageCode"]
        expected = await _oracle(world, village)
        assert {f: row[f] for f in CHILD_FIELDS} == {
            f: expected[name] for f, name in CHILD_FIELDS.items()
        }, village
        assert row["suppressed"] == []
        person = await world.row(_PERSON_ORACLE, u=uuid.UUID(user), start=Q_START, end=Q_END)
        assert row["visitsDone"] == person.done, village
        assert _moment(row["lastActivityAt"]) == person.last, village
    # The scene's records, one by one: two visits in the quarter by director 1, the one
    # before it not; the supervisor's visit is nobody's here; one more child overdue; an
    # open and an overdue case in village 2 (the closed one in neither).
    old = {key_of(r["staffId"]): r for r in before["directors"]}
    was_one, was_two = old[str(people["one"])], old[str(people["two"])]
    assert one["visitsDone"] - was_one["visitsDone"] == 2
    assert two["visitsDone"] == was_two["visitsDone"]
    assert one["visitsOverdue"] - was_one["visitsOverdue"] in (0, 1)
    assert two["openCases"] - was_two["openCases"] == 2
    assert two["overdueCases"] - was_two["overdueCases"] == 1
    assert _moment(two["lastActivityAt"]) == PINNED_NOW - timedelta(hours=2)
    assert _moment(one["lastActivityAt"]) is not None
    assert _moment(one["lastActivityAt"]) >= IN_QUARTER  # type: ignore[operator]

    # The township's own numbers: its villages summed, its staff counted.
    total = work["total"]
    villages = await world.scalar(
        "SELECT count(*) FROM areas WHERE parent_code = :t AND level = 'village'", t=DEMO_TOWNSHIP
    )
    posted = {area for _, area in directors}
    supervisors = await world.scalar(
        "SELECT count(*) FROM users WHERE role = 'township_supervisor' AND is_active "
        "AND deleted_at IS NULL AND area_code = :t",
        t=DEMO_TOWNSHIP,
    )
    assert (total["villages"], total["villagesWithDirector"]) == (villages, len(posted))
    assert (total["directors"], total["supervisors"]) == (len(directors), supervisors)
    # Trained: a passed training less than a year old (director 2's failed one is none).
    trained = await world.scalar(
        "SELECT count(DISTINCT u.id) FROM users u JOIN staff_trainings s ON s.user_id = u.id "
        "WHERE u.role = 'village_director' AND u.is_active AND u.deleted_at IS NULL "
        "AND u.area_code LIKE :t || '%' AND s.result = 'passed' "
        "AND s.trained_on > CAST(:today AS date) - interval '1 year'",
        t=DEMO_TOWNSHIP, today=TODAY,
    )  # fmt: skip
    assert 1 <= trained < len(directors)
    assert (total["trainedDirectors"], total["trainingRate"]) == (trained, trained / len(directors))
    assert (total["townships"], total["townshipsWithSupervisor"]) == (1, 1)
    assert total["directorCoverage"] == pytest.approx(len(posted) / villages)
    assert total["visitsDone"] == sum(r["visitsDone"] for r in work["directors"])
    everywhere = await world.row(
        "SELECT count(*) AS n, count(*) FILTER (WHERE is_key_child) AS key FROM children "
        "WHERE area_code LIKE :t || '%' AND status = 'active' AND deleted_at IS NULL",
        t=DEMO_TOWNSHIP,
    )
    assert (total["childrenInFiles"], total["keyChildren"]) == (everywhere.n, everywhere.key)
    assert total["visitCoverage"] == pytest.approx(
        total["visitedChildren"] / total["childrenInFiles"]
    )
    assert _moment(total["lastActivityAt"]) == max(
        m for r in work["directors"] if (m := _moment(r["lastActivityAt"])) is not None
    )


async def test_a_past_quarter_counts_its_own_visits(
    fresh_client: AsyncClient, world: World
) -> None:
    people = await _scene(world)
    work = await _work(fresh_client, world, "demo-township", DEMO_TOWNSHIP, quarter="2026-08-01")
    assert (work["quarter"], work["periodStart"], work["periodEnd"]) == (
        "2026Q3", "2026-07-01", "2026-09-30",
    )  # fmt: skip
    one = next(r for r in work["directors"] if r["villageCode"] == DEMO_VILLAGE)
    start = datetime(2026, 7, 1, tzinfo=SHANGHAI)
    person = await world.row(_PERSON_ORACLE, u=people["one"], start=start, end=Q_START)
    assert one["visitsDone"] == person.done and person.done >= 1


async def test_the_county_gets_its_townships_summed_and_small_counts_withheld(
    fresh_client: AsyncClient, world: World
) -> None:
    await _scene(world)
    township = await _work(fresh_client, world, "demo-township", DEMO_TOWNSHIP)
    county = await _work(fresh_client, world, "demo-county", DEMO_COUNTY)
    assert (county["level"], county["directors"]) == ("COUNTY", [])
    rows = {r["areaCode"]: r for r in county["townships"]}
    codes = await world.rows(
        "SELECT DISTINCT parent_code FROM areas WHERE level = 'village' "
        "AND code LIKE :c || '%' ORDER BY 1",
        c=DEMO_COUNTY,
    )
    assert list(rows) == [code for (code,) in codes]
    ours, total = rows[DEMO_TOWNSHIP], county["total"]
    # The county's row of the township is the township's own numbers (none of them small).
    mine = township["total"]
    assert {k: v for k, v in ours.items()} == mine
    for name in ("villages", "villagesWithDirector", "directors", "trainedDirectors",
                 "supervisors", "visitsDone", "townshipsWithSupervisor", "townships"):  # fmt: skip
        assert total[name] == sum(r[name] for r in rows.values()), name
    for name in CHILD_FIELDS:
        published = [r[name] for r in rows.values()]
        if None not in published and total[name] is not None:
            assert total[name] == sum(published), name
    # A count of children from 1 to 4 is withheld, and named; the overdue ones the county
    # supervises are shown in full on screen.
    for row in (*rows.values(), total):
        for name in CHILD_FIELDS:
            assert (row[name] is None) == (name in row["suppressed"]), (row["areaCode"], name)
            if name not in ("visitsOverdue", "overdueCases") and row[name] is not None:
                assert row[name] == 0 or row[name] >= 5 or row["suppressed"], row
            if name in ("visitsOverdue", "overdueCases"):
                assert row[name] is not None


async def test_small_counts_are_withheld_from_the_county_but_the_overdue_ones(
    fresh_client: AsyncClient, world: World
) -> None:
    await _scene(world)
    # Archive all but three children of the township: three is a small count.
    await world.execute(
        "UPDATE children SET status = 'archived', archived_at = now() WHERE area_code LIKE "
        ":t || '%' AND id NOT IN (SELECT id FROM children WHERE area_code = :v "
        "AND status = 'active' ORDER BY id LIMIT 3)",
        t=DEMO_TOWNSHIP, v=DEMO_VILLAGE,
    )  # fmt: skip
    county = await _work(fresh_client, world, "demo-county", DEMO_COUNTY)
    ours = next(r for r in county["townships"] if r["areaCode"] == DEMO_TOWNSHIP)
    assert ours["childrenInFiles"] is None and "childrenInFiles" in ours["suppressed"]
    assert ours["visitCoverage"] is None and "visitCoverage" in ours["suppressed"]
    # The overdue cases (1 here) the county supervises: in full, on screen.
    assert ours["overdueCases"] is not None and "overdueCases" not in ours["suppressed"]
    # The county reading the township: the villages' counts of children are not for it.
    township = await _work(fresh_client, world, "demo-county", DEMO_TOWNSHIP)
    assert township["total"] == ours
    for row in township["directors"]:
        assert row["childrenInFiles"] is None and row["overdueCases"] is None
        assert "childrenInFiles" in row["suppressed"] and row["visitsDone"] is not None
    # The supervisor holds the files: nothing withheld.
    own = await _work(fresh_client, world, "demo-township", DEMO_TOWNSHIP)
    assert own["total"]["childrenInFiles"] == 3 and own["total"]["suppressed"] == []


@pytest.mark.parametrize(
    ("user", "area"),
    [
        ("demo-village", DEMO_TOWNSHIP),  # a director: no staff_work read
        ("demo-village", DEMO_VILLAGE),
        ("demo-ngo", DEMO_COUNTY),
        ("demo-township", "420702101"),  # another township's
        ("demo-township", DEMO_COUNTY),  # above its own
        ("demo-county", "420703"),  # another county
        ("demo-county", DEMO_VILLAGE),  # not a township or county code
        ("demo-city", DEMO_COUNTY),  # statistics, but no staff_work read
    ],
)
async def test_others_are_refused_in_both_languages(
    fresh_client: AsyncClient, world: World, user: str, area: str
) -> None:
    token = await world.token(user)
    body = (await graphql_response(fresh_client, token, WORK, area=area)).json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    assert body["errors"][0]["message"] == f"没有可供您查看的地区 {area} 工作人员工作情况"
    english = await graphql_response(
        fresh_client, token, WORK, area=area, headers={"Accept-Language": "en"}
    )
    assert english.json()["errors"][0]["message"] == f"no staff work of area {area} for you"


async def test_a_future_quarter_is_refused(fresh_client: AsyncClient, world: World) -> None:
    token = await world.token("demo-township")
    body = (
        await graphql_response(fresh_client, token, WORK, area=DEMO_TOWNSHIP, quarter="2027-01-01")
    ).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FUTURE_DATE"]


async def test_no_statement_per_director(fresh_client: AsyncClient, world: World) -> None:
    token = await world.token("demo-township")
    await query_data(fresh_client, token, WORK, area=DEMO_TOWNSHIP)  # the caller's scope, once
    counts = []
    for extra in range(2):
        if extra:
            # Three more directors in post, each with a visit in the quarter.
            for index in range(3):
                user = uuid.uuid4()
                await world.execute(
                    "INSERT INTO users (id, username, display_name, role, area_code) "
                    "VALUES (:id, :name, :name, 'village_director', :area)",
                    id=user, name=f"director-{index}", area=DEMO_VILLAGE2,
                )  # fmt: skip
                await _visit(world, await _child(world, DEMO_VILLAGE2), DEMO_VILLAGE2, user,
                             IN_QUARTER)  # fmt: skip
        with counting_statements(fresh_client) as statements:
            data = await query_data(fresh_client, token, WORK, area=DEMO_TOWNSHIP)
        counts.append((len(data["staffWork"]["directors"]), len(statements)))
    assert counts[1][0] == counts[0][0] + 3
    assert counts[0][1] == counts[1][1], counts
    # The scope's set_config, the villages' counts, the people, the areas' names.
    assert counts[0][1] <= 4, counts


async def test_the_exports_publish_the_same_numbers(
    fresh_client: AsyncClient, world: World
) -> None:
    await _scene(world)
    for user, area in (("demo-township", DEMO_TOWNSHIP), ("demo-county", DEMO_COUNTY)):
        token = await world.token(user)
        headers = {"Authorization": f"Bearer {token}"}
        response = await fresh_client.get(
            f"/exports/staff-work.csv?area={area}&quarter={TODAY}", headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith("\ufeff".encode())
        assert f"staff-work-{area}-2026Q4.csv" in response.headers["content-disposition"]
        header, own, *lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        work = (await query_data(fresh_client, token, WORK, area=area))["staffWork"]
        column = {name: index for index, name in enumerate(header)}
        total = work["total"]
        assert own[:2] == [total["areaCode"], total["areaName"]]
        assert own[column["在册儿童"]] == str(total["childrenInFiles"])
        assert own[column["本季度走访次数"]] == str(total["visitsDone"])
        if area == DEMO_TOWNSHIP:
            assert header[:3] == ["村(居)代码", "村(居)名称", "儿童主任"]
            assert [line[0] for line in lines] == [r["villageCode"] for r in work["directors"]]
            for line, row in zip(lines, work["directors"], strict=True):
                assert line[column["超期个案"]] == str(row["overdueCases"])
                assert line[column["本季度走访次数"]] == str(row["visitsDone"])
        else:
            assert header[:2] == ["地区代码", "地区名称"]
            assert [line[0] for line in lines] == [r["areaCode"] for r in work["townships"]]
            for line, row in zip(lines, work["townships"], strict=True):
                assert line[column["儿童主任人数"]] == str(row["directors"])
                cell = "*" if row["childrenInFiles"] is None else str(row["childrenInFiles"])
                assert line[column["在册儿童"]] == cell
                # The overdue counts are in full on screen only: in an export they are
                # protected as the others (small cells and their complements).
                assert line[column["走访逾期儿童"]] in (str(row["visitsOverdue"]), "*")
        book = await fresh_client.get(f"/exports/staff-work.xlsx?area={area}", headers=headers)
        assert book.status_code == 200
        sheet = load_workbook(io.BytesIO(book.content)).active
        cells = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert cells[0] == header
        assert cells[1][column["本季度走访次数"]] == total["visitsDone"]
    refused = await fresh_client.get(
        f"/exports/staff-work.csv?area={DEMO_TOWNSHIP}",
        headers={"Authorization": f"Bearer {await world.token('demo-village')}"},
    )
    assert (refused.status_code, refused.json()["error"]) == (404, "NOT_FOUND")
    anonymous = await fresh_client.get(f"/exports/staff-work.csv?area={DEMO_TOWNSHIP}")
    assert anonymous.status_code == 401
    bad = await fresh_client.get(
        f"/exports/staff-work.csv?area={DEMO_TOWNSHIP}&quarter=soon",
        headers={"Authorization": f"Bearer {await world.token('demo-township')}"},
    )
    assert bad.status_code == 400 and "quarter" in bad.json()["message"]
