"""Dropout and absence rates per school and per county against seed 001's targets,
checked against fixtures counted by hand."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient

from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE
from tests import factories
from tests.conftest import TODAY
from tests.graphql import graphql_response, query_data
from tests.world import World, key_of

RATES = """
query($area: String!, $asOf: Date) { schoolRates(areaCode: $area, asOf: $asOf) {
  areaCode periodStart periodEnd
  schools { organizationId name level pupils droppedOut absentPupils
            dropoutRate absenceRate dropoutTarget targetMet }
  totals { level pupils droppedOut absentPupils dropoutRate absenceRate dropoutTarget
           targetMet suppressed } } }
"""
IN_QUARTER, BEFORE_QUARTER = date(2026, 10, 12), date(2026, 9, 15)


async def _school(world: World, name: str, level: str | None) -> uuid.UUID:
    school = uuid.uuid4()
    await world.execute(
        "INSERT INTO organizations (id, kind, name, area_code, school_level) "
        "VALUES (:id, 'school', :name, :area, :level)",
        id=school, name=name, area=DEMO_TOWNSHIP, level=level,
    )  # fmt: skip
    return school


async def _pupils(
    client: AsyncClient, world: World, school: uuid.UUID, statuses: list[str]
) -> list[str]:
    village = await world.token("demo-village")
    made = [
        await factories.child(
            client, village, DEMO_VILLAGE, schoolId=str(school), schoolStatus=status,
            studentNumber=f"R-{index}-{school.hex[:6]}",
        )
        for index, status in enumerate(statuses)
    ]  # fmt: skip
    return [key_of(child["id"]) for child in made]


async def _absent(world: World, school: uuid.UUID, child: str, day: date, excused: bool) -> None:
    await world.execute(
        "INSERT INTO absence_records (id, school_id, batch_id, student_key, absent_on, periods,"
        " excused, child_id, area_code) VALUES (gen_random_uuid(), :school, 'fixture', :key,"
        " :day, 6, :excused, :child, :area)",
        school=school, key=uuid.UUID(child).hex, day=day, excused=excused,
        child=uuid.UUID(child), area=DEMO_VILLAGE,
    )  # fmt: skip


async def _fixtures(client: AsyncClient, world: World) -> tuple[uuid.UUID, uuid.UUID]:
    """A primary school: 5 pupils on its roll (one dropped out), one not of school age (not
    on it); one pupil absent unexcused this quarter, one excused, one only last quarter.
    A junior secondary school: 3 pupils, none dropped out, one absent unexcused twice."""
    primary = await _school(world, "太和镇实验小学", "primary")
    junior = await _school(world, "太和镇初级中学", "junior_secondary")
    p = await _pupils(client, world, primary, ["IN_SCHOOL"] * 4 + ["DROPPED_OUT", "NOT_SCHOOL_AGE"])
    await _absent(world, primary, p[0], IN_QUARTER, excused=False)
    await _absent(world, primary, p[0], TODAY, excused=False)
    await _absent(world, primary, p[1], IN_QUARTER, excused=True)
    await _absent(world, primary, p[2], BEFORE_QUARTER, excused=False)
    # Not a pupil on the roll: its absence does not count.
    await _absent(world, primary, p[5], IN_QUARTER, excused=False)
    j = await _pupils(client, world, junior, ["IN_SCHOOL"] * 3)
    await _absent(world, junior, j[0], IN_QUARTER, excused=False)
    await _absent(world, junior, j[0], TODAY, excused=False)
    return primary, junior


def _row(data: dict[str, Any], school: uuid.UUID) -> dict[str, Any]:
    rows = [r for r in data["schools"] if r["organizationId"] == str(school)]
    assert len(rows) == 1, data["schools"]
    row: dict[str, Any] = rows[0]
    return row


async def test_the_county_gets_each_school_and_the_totals_counted_by_hand(
    fresh_client: AsyncClient, world: World
) -> None:
    primary, junior = await _fixtures(fresh_client, world)
    county = await world.token("demo-county")
    data = (await query_data(fresh_client, county, RATES, area=DEMO_COUNTY))["schoolRates"]
    assert (data["periodStart"], data["periodEnd"]) == ("2026-10-01", TODAY.isoformat())
    assert {k: v for k, v in _row(data, primary).items() if k != "organizationId"} == {
        "name": "太和镇实验小学", "level": "PRIMARY", "pupils": 5, "droppedOut": 1,
        "absentPupils": 1, "dropoutRate": 0.2, "absenceRate": 0.2, "dropoutTarget": 0.006,
        "targetMet": False,
    }  # fmt: skip
    assert {k: v for k, v in _row(data, junior).items() if k != "organizationId"} == {
        "name": "太和镇初级中学", "level": "JUNIOR_SECONDARY", "pupils": 3, "droppedOut": 0,
        "absentPupils": 1, "dropoutRate": 0.0, "absenceRate": pytest.approx(1 / 3),
        "dropoutTarget": 0.018, "targetMet": True,
    }  # fmt: skip
    totals = {t["level"]: t for t in data["totals"]}
    # The seeded schools are all primary: the junior total is the one junior school.
    assert totals["JUNIOR_SECONDARY"]["pupils"] == 3
    assert totals["JUNIOR_SECONDARY"]["targetMet"] is True
    schools = [r for r in data["schools"] if r["level"] == "PRIMARY"]
    for name in ("pupils", "droppedOut", "absentPupils"):
        assert totals["PRIMARY"][name] == sum(r[name] for r in schools), name
    assert totals["PRIMARY"]["suppressed"] == [] and totals["PRIMARY"]["dropoutTarget"] == 0.006

    # Last quarter's rates: the pupil absent only then.
    earlier = await query_data(fresh_client, county, RATES, area=DEMO_COUNTY, asOf="2026-09-30")
    row = _row(earlier["schoolRates"], primary)
    assert (row["absentPupils"], earlier["schoolRates"]["periodStart"]) == (1, "2026-07-01")


async def test_a_school_gets_its_own_rates_only(fresh_client: AsyncClient, world: World) -> None:
    primary, _junior = await _fixtures(fresh_client, world)
    school = await world.token("demo-school")
    own = await world.org_of("demo-school")
    data = (await query_data(fresh_client, school, RATES, area=DEMO_COUNTY))["schoolRates"]
    assert [r["organizationId"] for r in data["schools"]] == [str(own)]
    assert data["totals"] == [] and own != primary


async def test_the_city_gets_the_totals_with_small_counts_suppressed(
    fresh_client: AsyncClient, world: World
) -> None:
    await _fixtures(fresh_client, world)
    city = await world.token("demo-city")
    data = (await query_data(fresh_client, city, RATES, area=DEMO_COUNTY))["schoolRates"]
    assert data["schools"] == []
    junior = next(t for t in data["totals"] if t["level"] == "JUNIOR_SECONDARY")
    # 3 pupils and 1 absent are small cells for a reader above the county; 0 is not.
    assert junior["suppressed"] == ["absentPupils", "pupils"]
    assert (junior["pupils"], junior["absentPupils"], junior["droppedOut"]) == (None, None, 0)
    assert (junior["dropoutRate"], junior["absenceRate"], junior["targetMet"]) == (None,) * 3
    assert junior["dropoutTarget"] == 0.018


@pytest.mark.parametrize(
    ("user", "area"),
    [
        ("demo-village", DEMO_COUNTY),  # no statistics of the county
        ("demo-township", DEMO_COUNTY),  # a township's statistics only
        ("demo-ngo", DEMO_COUNTY),
        ("demo-county", "420703"),  # another county
        ("demo-county", DEMO_TOWNSHIP),  # not a county code
        ("demo-school", "420703"),
    ],
)
async def test_others_are_refused_as_if_there_were_nothing(
    fresh_client: AsyncClient, world: World, user: str, area: str
) -> None:
    response = await graphql_response(fresh_client, await world.token(user), RATES, area=area)
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]


async def test_a_future_day_is_refused(fresh_client: AsyncClient, world: World) -> None:
    county = await world.token("demo-county")
    response = await graphql_response(
        fresh_client, county, RATES, area=DEMO_COUNTY, asOf="2027-01-01"
    )
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["FUTURE_DATE"]
