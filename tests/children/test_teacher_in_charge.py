"""The teacher in charge of a pupil (教师联系帮扶, seed 001): set by the village staff or by
the pupil's own school, which may change nothing else; seen by the staff and the school."""

from __future__ import annotations

import uuid
from typing import Any

from httpx import AsyncClient

from app.database import session_factory
from app.seed.demo import DEMO_TOWNSHIP, DEMO_VILLAGE
from app.services.statistics.refresh import StatisticsSession
from tests import factories
from tests.conftest import EngineFactory
from tests.documents import mutation
from tests.graphql import mutation_payload, query_data
from tests.world import World, api_key_of

UPDATE_CHILD = mutation("updateChild", "UpdateChildInput", "child { id version }")
FILE = """
query($id: ID!) { child(id: $id) {
  name schoolId teacherInCharge { name phone } categories studentNumber
  isKeyChild birthDate householdId livingArrangement nextVisitDue } }
"""
AWAY = [
    {"relation": "FATHER", "name": "刘强", "status": "WORKING_AWAY",
     "workPlace": "浙江省宁波市", "awaySince": "2024-02-01"},
    {"relation": "MOTHER", "name": "陈静", "status": "WORKING_AWAY",
     "workPlace": "广东省东莞市", "awaySince": "2025-03-01"},
]  # fmt: skip


async def _pupil(client: AsyncClient, world: World, school_id: uuid.UUID, **fields: Any) -> Any:
    village = await world.token("demo-village")
    household = await factories.household(client, village, DEMO_VILLAGE, parents=AWAY)
    return await factories.child(
        client, village, DEMO_VILLAGE, household_id=household["id"],
        livingArrangement="WITH_GRANDPARENTS", schoolId=str(school_id), **fields,
    )  # fmt: skip


async def _file(client: AsyncClient, token: str, child_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await query_data(client, token, FILE, id=child_id))["child"]
    return found


async def _update(
    client: AsyncClient, token: str, child: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    return await mutation_payload(
        client, token, UPDATE_CHILD,
        id=child["id"], expectedVersion=child["version"], child=fields,
    )  # fmt: skip


async def test_the_school_sees_its_left_behind_pupil_and_teacher_and_nothing_more(
    fresh_client: AsyncClient, world: World
) -> None:
    school_id = await world.org_of("demo-school")
    pupil = await _pupil(
        fresh_client, world, school_id, studentNumber="XJ-9001",
        teacherInChargeName="王老师", teacherInChargePhone="139 0711 0001",
    )  # fmt: skip
    village = await _file(fresh_client, await world.token("demo-village"), pupil["id"])
    assert village["schoolId"] == str(school_id)
    assert village["teacherInCharge"] == {"name": "王老师", "phone": "13907110001"}
    assert village["birthDate"] and village["householdId"] and village["isKeyChild"] is not None

    school = await _file(fresh_client, await world.token("demo-school"), pupil["id"])
    assert "LEFT_BEHIND" in school["categories"]
    assert school["teacherInCharge"] == {"name": "王老师", "phone": "13907110001"}
    assert (school["schoolId"], school["studentNumber"]) == (str(school_id), "XJ-9001")
    hidden = ("isKeyChild", "birthDate", "householdId", "livingArrangement", "nextVisitDue")
    assert {name: school[name] for name in hidden} == dict.fromkeys(hidden)


async def test_the_school_sets_the_teacher_of_its_own_pupil_and_nothing_else(
    fresh_client: AsyncClient, world: World
) -> None:
    school = await world.token("demo-school")
    pupil = await _pupil(fresh_client, world, await world.org_of("demo-school"))
    changed = await _update(
        fresh_client, school, pupil,
        teacherInChargeName="李老师", teacherInChargePhone="027-88886666",
    )  # fmt: skip
    assert changed["errors"] == [] and changed["child"]["version"] > pupil["version"]
    village = await _file(fresh_client, await world.token("demo-village"), pupil["id"])
    assert village["teacherInCharge"] == {"name": "李老师", "phone": "027-88886666"}

    current = {**pupil, "version": changed["child"]["version"]}
    for fields in (
        {"name": "刘小红"},
        {"teacherInChargeName": "张老师", "studentNumber": "XJ-1"},
        {"schoolStatus": "DROPPED_OUT"},
        {"schoolId": None},
    ):
        refused = await _update(fresh_client, school, current, **fields)
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [("FORBIDDEN", "id")]
    # Bad values are refused as for the staff, and nothing is written.
    for fields, problem in (
        ({"teacherInChargePhone": "12345"}, ("INVALID_PHONE", "teacherInChargePhone")),
        ({"teacherInChargeName": None}, ("REQUIRED", "teacherInChargeName")),
        ({"teacherInChargeName": "老" * 51}, ("TOO_LONG", "teacherInChargeName")),
    ):
        refused = await _update(fresh_client, school, current, **fields)
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [problem], fields
    assert (await _file(fresh_client, await world.token("demo-village"), pupil["id"]))[
        "teacherInCharge"
    ] == {"name": "李老师", "phone": "027-88886666"}
    cleared = await _update(
        fresh_client, school, current, teacherInChargeName=None, teacherInChargePhone=None
    )
    assert cleared["errors"] == []
    assert (await _file(fresh_client, school, pupil["id"]))["teacherInCharge"] is None


async def test_a_school_cannot_touch_another_schools_pupil(
    fresh_client: AsyncClient, world: World
) -> None:
    other = uuid.uuid4()
    await world.execute(
        "INSERT INTO organizations (id, kind, name, area_code) "
        "VALUES (:id, 'school', '太和镇初级中学', :area)",
        id=other, area=DEMO_TOWNSHIP,
    )  # fmt: skip
    theirs = await _pupil(fresh_client, world, other, teacherInChargeName="赵老师")
    school = await world.token("demo-school")
    refused = await _update(fresh_client, school, theirs, teacherInChargeName="王老师")
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("NOT_FOUND", "id")]
    assert (await query_data(fresh_client, school, FILE, id=theirs["id"]))["child"] is None
    village = await _file(fresh_client, await world.token("demo-village"), theirs["id"])
    assert village["teacherInCharge"] == {"name": "赵老师", "phone": None}


async def test_the_schools_api_key_sets_the_teacher_as_its_accounts_do(
    fresh_client: AsyncClient, world: World, fresh_db: str, engine_for: EngineFactory
) -> None:
    pupil = await _pupil(fresh_client, world, await world.org_of("demo-school"))
    sessions = session_factory(engine_for(fresh_db), StatisticsSession)
    async with sessions() as session, session.begin():
        _org, key = await api_key_of(session, "demo-school", "student information system")

    async def update(**fields: Any) -> dict[str, Any]:
        variables = {"input": {"id": pupil["id"], "expectedVersion": pupil["version"]}}
        variables["input"]["child"] = fields
        response = await fresh_client.post(
            "/graphql",
            json={"query": UPDATE_CHILD, "variables": variables},
            headers={"X-API-Key": key},
        )
        payload: dict[str, Any] = response.json()["data"]["updateChild"]
        return payload

    refused = await update(teacherInChargeName="王老师", name="刘小红")
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("FORBIDDEN", "id")]
    assert (await update(teacherInChargeName="王老师"))["errors"] == []
    village = await _file(fresh_client, await world.token("demo-village"), pupil["id"])
    assert village["teacherInCharge"] == {"name": "王老师", "phone": None}
