"""Schools submit absences: matching, idempotency, the dropout rule and what the school sees."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest_asyncio
from httpx import AsyncClient
from sqlalchemy import text

from app.database import session_factory
from app.domain.absences import next_school_day
from app.idcrypto import unseal
from app.seed.demo import DEMO_VILLAGE
from app.services.statistics.refresh import StatisticsSession
from tests.conftest import TODAY, EngineFactory, access_token, service_client
from tests.graphql import gid, query_data
from tests.world import api_key_of

CHILD_ID_NUMBER = "children.id_number"
SUBMIT = """
mutation($batchId: String!, $records: [AbsenceInput!]!) {
  submitAbsences(batchId: $batchId, records: $records) {
    submission { batchId received matched recorded updated unchanged casesOpened casesUpdated
                 replayed unmatched { row studentNumber date reason message } }
    errors { code field message }
  }
}
"""
FOLLOW_UPS = """
{ studentFollowUps(first: 50) { totalCount edges { node { status reportedAt closedAt
    student { id name } } } } }
"""
DROPOUT_CASES = """
{ cases(filter: {category: DROPOUT}, first: 50) { edges { node { id childId source version
    dropoutFollowUp stage } } } }
"""


@dataclass(frozen=True)
class Pupil:
    id: uuid.UUID
    student_number: str
    id_number: str


@dataclass
class School:
    """The demo school, its key, and pupils of the demo village without recent absences."""

    url: str
    client: AsyncClient
    key: str
    pupils: list[Pupil]
    other_schools_child: str  # an ID number of a township child at another school

    async def submit(self, batch_id: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json={"query": SUBMIT, "variables": {"batchId": batch_id, "records": records}},
            headers={"X-API-Key": self.key},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["submitAbsences"]
        return payload

    async def sql(self, engine_for: EngineFactory, query: str, **params: Any) -> list[Any]:
        async with engine_for(self.url).connect() as conn:
            return list(await conn.execute(text(query), params))


@pytest_asyncio.fixture(loop_scope="session")
async def school(fresh_db: str, engine_for: EngineFactory) -> AsyncIterator[School]:
    engine = engine_for(fresh_db)
    async with session_factory(engine, StatisticsSession)() as session, session.begin():
        org, key = await api_key_of(session, "demo-school", "student information system")
        rows = await session.execute(
            text(
                "SELECT id, student_number, id_number_enc FROM children c WHERE school_id = :org "
                "AND area_code = :village AND student_number IS NOT NULL "
                "AND id_number_enc IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM absence_records a WHERE a.child_id = c.id) ORDER BY name"
            ),
            {"org": org.id, "village": DEMO_VILLAGE},
        )
        pupils = [Pupil(id_, number, unseal(enc, CHILD_ID_NUMBER)) for id_, number, enc in rows]
        other = await session.scalar(
            text(
                "SELECT id_number_enc FROM children WHERE area_code LIKE :township || '%' "
                "AND id_number_enc IS NOT NULL AND school_id IS DISTINCT FROM :org LIMIT 1"
            ),
            {"org": org.id, "township": org.area_code[:9]},
        )
    assert len(pupils) >= 4 and other is not None
    async for client in service_client(fresh_db):
        yield School(fresh_db, client, key, pupils, unseal(other, CHILD_ID_NUMBER))


def absence(
    pupil: Pupil, day: date, *, excused: bool = False, by: str = "number"
) -> dict[str, Any]:
    record: dict[str, Any] = {"date": day.isoformat(), "excused": excused, "periods": 6}
    if by in ("number", "both"):
        record["studentNumber"] = pupil.student_number
    if by in ("id", "both"):
        record["idNumber"] = pupil.id_number
    return record


def school_days_before(today: date, count: int) -> list[date]:
    """The `count` school days ending on the last school day before `today`."""
    day = today - timedelta(days=count * 2 + 7)
    days: list[date] = []
    while (day := next_school_day(day)) < today:
        days.append(day)
    return days[-count:]


async def test_rows_are_matched_and_the_rest_come_back_with_reasons(
    school: School, engine_for: EngineFactory
) -> None:
    a, b = school.pupils[0], school.pupils[1]
    day = school_days_before(TODAY, 1)[0]
    records = [
        absence(a, day, excused=True),  # by student number
        absence(b, day, excused=True, by="id"),  # by ID number alone
        {"studentNumber": "NO-SUCH-PUPIL", "date": day.isoformat(), "excused": True},
        {"idNumber": school.other_schools_child, "date": day.isoformat(), "excused": True},
        {"idNumber": a.id_number[:-1] + ("0" if a.id_number[-1] != "0" else "1"),
         "date": day.isoformat(), "excused": True},
        {"studentNumber": a.student_number, "date": "2026-13-01", "excused": True},
        absence(a, day, excused=True, by="both"),  # the same pupil and day again
        {"date": day.isoformat(), "excused": True},
        {"studentNumber": a.student_number, "idNumber": b.id_number, "date": day.isoformat(),
         "excused": True},
    ]  # fmt: skip
    payload = await school.submit("term-1", records)
    assert payload["errors"] == []
    result = payload["submission"]
    assert (result["received"], result["matched"], result["recorded"]) == (9, 2, 2)
    assert [(u["row"], u["reason"]) for u in result["unmatched"]] == [
        (3, "UNKNOWN_STUDENT"),
        (4, "NOT_THIS_SCHOOLS_STUDENT"),
        (5, "INVALID_ID_NUMBER"),
        (6, "BAD_DATE"),
        (7, "DUPLICATE_ROW"),
        (8, "MISSING_STUDENT"),
        (9, "ID_NUMBER_MISMATCH"),
    ]
    assert all(u["message"] for u in result["unmatched"])
    stored = await school.sql(
        engine_for,
        "SELECT child_id FROM absence_records WHERE batch_id = 'term-1' ORDER BY child_id",
    )
    assert sorted(row.child_id for row in stored) == sorted([a.id, b.id])


async def test_a_resent_batch_changes_nothing(school: School, engine_for: EngineFactory) -> None:
    a, b = school.pupils[0], school.pupils[1]
    days = school_days_before(TODAY, 2)
    unknown = {"studentNumber": "NO-SUCH-PUPIL", "date": days[0].isoformat(), "excused": True}
    records = [
        absence(a, days[0], excused=True),
        absence(b, days[1], excused=True, by="id"),
        unknown,
    ]
    first = (await school.submit("week-47", records))["submission"]
    count = "SELECT count(*) AS n, max(updated_at) AS last FROM absence_records"
    before = await school.sql(engine_for, count)

    again = (await school.submit("week-47", records))["submission"]
    assert again == {**first, "replayed": True}
    assert await school.sql(engine_for, count) == before

    # The same records in another batch are already on file; a changed one is updated.
    records[1] = absence(b, days[1], excused=False, by="number")
    other = (await school.submit("week-47-fixed", records))["submission"]
    assert (other["recorded"], other["updated"], other["unchanged"]) == (0, 1, 1)

    conflict = await school.submit("week-47", records[:1])
    assert conflict["submission"] is None
    assert [e["code"] for e in conflict["errors"]] == ["IDEMPOTENCY_CONFLICT"]


async def test_the_dropout_rule_opens_one_case_for_the_village(
    school: School, engine_for: EngineFactory
) -> None:
    pupil = school.pupils[2]
    days = school_days_before(TODAY, 3)
    below = await school.submit("d-1", [absence(pupil, d) for d in days[:2]])
    assert below["submission"]["casesOpened"] == 0

    opened = await school.submit("d-2", [absence(pupil, days[2])])
    assert (opened["submission"]["casesOpened"], opened["submission"]["casesUpdated"]) == (1, 0)

    village = await access_token(school.url, "demo-village")
    township = await access_token(school.url, "demo-township")
    for token in (village, township):
        found = (await query_data(school.client, token, DROPOUT_CASES))["cases"]["edges"]
        mine = [e["node"] for e in found if e["node"]["childId"] == gid("Child", pupil.id)]
        assert len(mine) == 1
        assert (mine[0]["source"], mine[0]["stage"], mine[0]["dropoutFollowUp"]) == (
            "SCHOOL", "PERSUASION", "PERSUASION_UNDER_WAY",
        )  # fmt: skip

    # Another day off attaches to the open case: never a second one.
    more = await school.submit("d-3", [absence(pupil, TODAY)])
    assert (more["submission"]["casesOpened"], more["submission"]["casesUpdated"]) == (0, 1)
    cases = await school.sql(
        engine_for,
        "SELECT c.id, c.case_number, count(a.id) AS absences FROM cases c "
        "LEFT JOIN absence_records a ON a.case_id = c.id "
        "WHERE c.child_id = :child AND c.category = 'dropout' GROUP BY c.id",
        child=pupil.id,
    )
    assert [row.absences for row in cases] == [2]  # the day that triggered, and today
    # Numbered like any case reported, so the school can ask about it.
    assert re.fullmatch(rf"{DEMO_VILLAGE[:6]}-\d{{4}}-\d{{5}}", cases[0].case_number)
    events = await school.sql(
        engine_for,
        "SELECT kind FROM case_events WHERE case_id = :case ORDER BY occurred_at, kind",
        case=cases[0].id,
    )
    assert [row.kind for row in events] == ["absence", "reported", "absence"]

    # The statistics rollup counts the new absence days at once (the upsert is set-based).
    rollup = await school.sql(
        engine_for,
        "SELECT s.absence_days, (SELECT count(*) FROM absence_records a "
        "WHERE a.area_code = s.area_code AND NOT a.excused AND a.absent_on >= s.quarter) AS n "
        "FROM area_quarter_statistics s WHERE s.area_code = :village "
        "ORDER BY s.quarter DESC LIMIT 1",
        village=DEMO_VILLAGE,
    )
    assert rollup[0].absence_days == rollup[0].n > 0


async def test_excused_and_scattered_absences_open_nothing(school: School) -> None:
    pupil = school.pupils[3]
    days = school_days_before(TODAY, 5)
    records = [absence(pupil, d, excused=True) for d in days] + [absence(pupil, TODAY)]
    assert (await school.submit("excused", records))["submission"]["casesOpened"] == 0


async def test_the_school_sees_the_follow_up_status_and_nothing_else(
    school: School, engine_for: EngineFactory
) -> None:
    pupil = school.pupils[2]
    await school.submit("status", [absence(pupil, d) for d in school_days_before(TODAY, 3)])
    teacher = await access_token(school.url, "demo-school")
    village = await access_token(school.url, "demo-village")

    async def statuses() -> list[str]:
        seen = (await query_data(school.client, teacher, FOLLOW_UPS))["studentFollowUps"]
        assert seen["totalCount"] == len(seen["edges"])
        return [
            e["node"]["status"]
            for e in seen["edges"]
            if e["node"]["student"]["id"] == gid("Child", pupil.id)
        ]

    assert await statuses() == ["PERSUASION_UNDER_WAY"]
    # Exactly the dropout cases of the school's own pupils, whoever reported them.
    expected = await school.sql(
        engine_for,
        "SELECT count(*) AS n FROM cases c JOIN children ch ON ch.id = c.child_id "
        "JOIN users u ON u.organization_id = ch.school_id AND u.username = 'demo-school' "
        "WHERE c.category = 'dropout' AND c.deleted_at IS NULL",
    )
    listed = (await query_data(school.client, teacher, FOLLOW_UPS))["studentFollowUps"][
        "totalCount"
    ]
    assert listed == expected[0].n
    # The case itself stays out of the school's reach.
    case = next(
        e["node"]
        for e in (await query_data(school.client, village, DROPOUT_CASES))["cases"]["edges"]
        if e["node"]["childId"] == gid("Child", pupil.id)
    )
    hidden = await query_data(
        school.client, teacher, "query($id: ID!) { node(id: $id) { id } cases { totalCount } }",
        id=case["id"],
    )  # fmt: skip
    assert hidden == {"node": None, "cases": {"totalCount": 0}}

    returned = await query_data(
        school.client, village,
        """mutation($input: DropoutFollowUpInput!) { setDropoutFollowUp(input: $input) {
             case { dropoutFollowUp version } errors { code } } }""",
        input={"caseId": case["id"], "expectedVersion": case["version"], "status": "RETURNED"},
    )  # fmt: skip
    assert returned["setDropoutFollowUp"]["case"]["dropoutFollowUp"] == "RETURNED"
    for outsider in ("demo-school", "demo-village2", "demo-ngo"):
        token = await access_token(school.url, outsider)
        refused = await query_data(
            school.client, token,
            """mutation($input: DropoutFollowUpInput!) { setDropoutFollowUp(input: $input) {
                 case { id } errors { code } } }""",
            input={"caseId": case["id"], "expectedVersion": 2, "status": "NOT_RETURNED"},
        )  # fmt: skip
        assert refused["setDropoutFollowUp"] == {"case": None, "errors": [{"code": "NOT_FOUND"}]}
    assert await statuses() == ["RETURNED"]
    for other in ("demo-village", "demo-ngo", "demo-county"):
        token = await access_token(school.url, other)
        listed = await query_data(school.client, token, FOLLOW_UPS)
        assert listed["studentFollowUps"]["totalCount"] == 0, other


async def test_follow_up_status_is_only_for_dropout_cases(school: School) -> None:
    village = await access_token(school.url, "demo-village")
    other = next(
        e["node"]
        for e in (await query_data(school.client, village, "{ cases(first: 50) { edges { node { id "
                            "category version closedAt } } } }"))["cases"]["edges"]
        if e["node"]["category"] != "DROPOUT" and e["node"]["closedAt"] is None
    )  # fmt: skip
    refused = await query_data(
        school.client, village,
        """mutation($input: DropoutFollowUpInput!) { setDropoutFollowUp(input: $input) {
             case { id } errors { code field } } }""",
        input={"caseId": other["id"], "expectedVersion": other["version"], "status": "RETURNED"},
    )  # fmt: skip
    assert refused["setDropoutFollowUp"] == {
        "case": None, "errors": [{"code": "NOT_A_DROPOUT_CASE", "field": "caseId"}],
    }  # fmt: skip


async def test_only_a_school_submits_and_at_most_ten_thousand_rows(
    school: School, engine_for: EngineFactory
) -> None:
    record = absence(school.pupils[0], school_days_before(TODAY, 1)[0])
    for username in ("demo-village", "demo-ngo", "demo-county"):
        token = await access_token(school.url, username)
        refused = await query_data(school.client, token, SUBMIT, batchId="x", records=[record])
        assert [e["code"] for e in refused["submitAbsences"]["errors"]] == ["FORBIDDEN"], username

    too_many = await school.submit("huge", [record] * 10_001)
    assert [e["code"] for e in too_many["errors"]] == ["TOO_MANY_RECORDS"]
    bad_batch = await school.submit(" ", [record])
    assert [e["code"] for e in bad_batch["errors"]] == ["INVALID_BATCH_ID"]
    written = await school.sql(
        engine_for, "SELECT count(*) AS n FROM absence_batches WHERE batch_id IN ('huge', ' ')"
    )
    assert written[0].n == 0


CSV_HEADER = "学籍号,身份证号,日期,缺课节数,是否请假,原因\n"


async def test_csv_gives_the_same_result_as_json(school: School) -> None:
    a, b = school.pupils[0], school.pupils[1]
    days = school_days_before(TODAY, 2)
    records = [absence(a, days[0], excused=True), absence(b, days[1], by="id"),
               {"studentNumber": "NO-SUCH", "date": "2026/02/30", "excused": False}]  # fmt: skip
    lines = [
        f"{a.student_number},,{days[0].isoformat()},6,是,",
        f",{b.id_number},{days[1].isoformat()},6,否,",
        "NO-SUCH,,2026/02/30,,否,",
    ]
    # Excel on a Chinese Windows saves CSV as GBK.
    body = (CSV_HEADER + "\n".join(lines) + "\n").encode("gbk")
    response = await school.client.post(
        "/integrations/absences.csv",
        params={"batchId": "csv-1"},
        content=body,
        headers={"X-API-Key": school.key, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    as_csv = response.json()
    assert (as_csv["matched"], as_csv["recorded"]) == (2, 2)
    assert [u["reason"] for u in as_csv["unmatched"]] == ["BAD_DATE"]

    # The same records as JSON under the same batch id are the same batch: replayed.
    as_json = (await school.submit("csv-1", records))["submission"]
    assert as_json == {**as_csv, "replayed": True}


async def test_csv_errors_are_clear(school: School) -> None:
    async def post(body: bytes, headers: dict[str, str], batch: str | None = "b") -> Any:
        params = {"batchId": batch} if batch else {}
        return await school.client.post(
            "/integrations/absences.csv", params=params, content=body, headers=headers
        )

    key = {"X-API-Key": school.key}
    good = (CSV_HEADER + f"{school.pupils[0].student_number},,2026-01-05,6,否,\n").encode()
    cases = [
        (await post(good, {}), 401, "UNAUTHENTICATED"),
        (await post(good, {"X-API-Key": school.key[:-1] + "?"}), 401, "API_KEY_INVALID"),
        (await post(good, key, batch=None), 400, "REQUIRED"),
        (await post(b"name,class\nx,y\n", key), 400, "INVALID_CSV"),
        (await post(b"", key), 400, "INVALID_CSV"),
        (await post(b"\xff\xfe\xfa\xfb", key), 400, "INVALID_CSV"),
        (await post(b"x" * 4_000_001, key), 413, "TOO_MANY_RECORDS"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["code"] == code
    village = await access_token(school.url, "demo-village")
    refused = await post(good, {"Authorization": f"Bearer {village}"})
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (403, "FORBIDDEN")
