"""Partial updates: an update changes the fields it sends and leaves every other one as stored;
an explicit null clears what may be empty and is REQUIRED where it may not; creates missing a
required field are told so as typed errors."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

import pytest
from httpx import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.database import session_factory
from app.domain.idnumber import make_id_number
from app.enums import (
    ContactFrequency,
    Gender,
    KeyChildReason,
    LivingArrangement,
    NgoServiceType,
    ParentRelation,
    ParentStatus,
    SchoolStatus,
)
from app.models import Child, Household, NgoContract, Parent
from app.seed.demo import DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from app.services.common import camel
from app.services.statistics.refresh import StatisticsSession
from tests.conftest import EngineFactory, access_token
from tests.graphql import gid, query_data

# Children's ID numbers made here: a region no demo child is from, so none is a duplicate.
REGION = "429004"


def _optional(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value, or an explicit null (which clears the field)."""
    return st.one_of(st.none(), values)


def _texts(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from(values)


def _subset(values: list[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(values), unique=True, min_size=1).map(sorted)


_PAST_DATES = st.dates(date(2020, 1, 1), date(2025, 12, 31))
_ADULT_ID_NUMBERS = st.integers(0, 999).map(lambda n: make_id_number("420702", date(1985, 3, 4), n))

HOUSEHOLD_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "area_code": st.just(DEMO_VILLAGE),  # sent unchanged: a family moves with moveChild
    "address": _texts("伯浩村1组1号", "伯浩村2组8号", "伯浩村5组3号"),
    "phone": _optional(_texts("13900001111", "13712345678", "0711-3456789")),
    "minimum_allowance": st.booleans(),
    "extreme_poverty": st.booleans(),
    "registered_poverty": st.booleans(),
}
PARENT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "relation": st.sampled_from(ParentRelation),
    "name": _texts("张伟", "张大伟", "李芳"),
    "status": st.sampled_from(ParentStatus),
    "id_number": _optional(_ADULT_ID_NUMBERS),
    "phone": _optional(_texts("13900002222", "13600001234")),
    "work_place": _optional(_texts("广东省东莞市", "浙江省杭州市")),
    "work_province_code": _optional(_texts("44", "33", "32")),
    "away_since": _optional(_PAST_DATES),
    "contact_frequency": _optional(st.sampled_from(ContactFrequency)),
    "last_contact_on": _optional(_PAST_DATES),
    "home_at_holidays": _optional(st.booleans()),
}
# The child's ID number must agree with its birth date and gender as they will be: it is
# drawn by _child_changes, from the record as it will be.
CHILD_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": _texts("张小明", "张晓明", "张明明"),
    "gender": st.sampled_from(Gender),
    "birth_date": st.dates(date(2013, 1, 1), date(2017, 12, 31)),
    # Not ALONE: whether a child may live alone depends on its age, a rule of its own.
    "living_arrangement": st.sampled_from([a for a in LivingArrangement if a.name != "ALONE"]),
    "school_status": st.sampled_from([SchoolStatus.IN_SCHOOL, SchoolStatus.DROPPED_OUT]),
    "no_household_registration": st.booleans(),
    "student_number": _optional(_texts("S2026001", "S2026002")),
    "disability": st.booleans(),
    "serious_illness": st.booleans(),
    "safety_risk": st.booleans(),
    "scattered_orphan": st.booleans(),
    "recorded_key_reasons": st.lists(st.sampled_from(KeyChildReason), unique=True).map(sorted),
}
CONTRACT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": _texts("太和镇关爱服务", "太和镇关爱服务二期"),
    "area_scope": _subset([DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2]),
    "service_types": _subset(list(NgoServiceType)),
    "starts_on": st.dates(date(2026, 1, 1), date(2026, 6, 30)),  # always before any end
    "ends_on": st.dates(date(2027, 1, 1), date(2027, 12, 31)),
}


@dataclass(frozen=True)
class Target:
    """An update mutation under test and the row it changes."""

    mutation: str
    input_type: str
    model: type[Any]
    type_name: str
    wrapper: str | None  # the input field holding the record's fields, if any
    fields: dict[str, st.SearchStrategy[Any]]
    user: str
    # Fields drawn by a test of its own (they depend on others), compared all the same.
    drawn_apart: tuple[str, ...] = ()

    @property
    def compared(self) -> tuple[str, ...]:
        """Every field of the input the test sends or leaves out."""
        return (*self.fields, *self.drawn_apart)

    def document(self) -> str:
        """The mutation, answering errors only."""
        return (
            f"mutation($input: {self.input_type}!) {{ {self.mutation}(input: $input) "
            "{ errors { code field message } } }"
        )

    def input(self, row_id: uuid.UUID, version: int, changes: dict[str, Any]) -> dict[str, Any]:
        """The mutation's input: the fields to change, as JSON."""
        sent = {camel(name): _json(value) for name, value in changes.items()}
        body = {self.wrapper: sent} if self.wrapper else sent
        return {"id": gid(self.type_name, row_id), "expectedVersion": version, **body}


HOUSEHOLD = Target(
    "updateHousehold", "UpdateHouseholdInput", Household, "Household", None, HOUSEHOLD_FIELDS,
    "demo-village",
)  # fmt: skip
PARENT = Target(
    "updateParent", "UpdateParentInput", Parent, "Parent", "parent", PARENT_FIELDS, "demo-village"
)
CHILD = Target(
    "updateChild", "UpdateChildInput", Child, "Child", "child", CHILD_FIELDS, "demo-village",
    drawn_apart=("id_number",),
)  # fmt: skip
CONTRACT = Target(
    "updateNgoContract", "UpdateNgoContractInput", NgoContract, "NgoContract", "terms",
    CONTRACT_FIELDS, "demo-county",
)  # fmt: skip
TARGETS = (HOUSEHOLD, PARENT, CHILD, CONTRACT)


def _json(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def _stored(value: Any) -> Any:
    """A value as compared: lists as sets, since the services keep them in an order of theirs."""
    return frozenset(value) if isinstance(value, list) else value


class World:
    """The records under test on a database of their own, read back from the database."""

    def __init__(self, client: AsyncClient, url: str, engine_for: EngineFactory) -> None:
        self.client = client
        self.url = url
        self.sessions = session_factory(engine_for(url), StatisticsSession)
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, uuid.UUID] = {}

    async def token(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = await access_token(self.url, username)
        return self.tokens[username]

    async def setup(self) -> None:
        """A household with one parent (so any relation is allowed) and one child, and the
        demo's NGO contract."""
        token = await self.token("demo-village")
        household = await query_data(self.client, token, REGISTER_HOUSEHOLD, input={
            "areaCode": DEMO_VILLAGE, "address": "伯浩村3组12号", "phone": "13900001111",
            "parents": [{"relation": "MOTHER", "name": "李芳", "status": "WORKING_AWAY",
                         "phone": "13600001234", "workPlace": "广东省东莞市",
                         "workProvinceCode": "44", "awaySince": "2024-03-01",
                         "contactFrequency": "WEEKLY", "homeAtHolidays": True}],
        })  # fmt: skip
        registered = household["registerHousehold"]
        assert registered["errors"] == [], registered
        self.ids["Household"] = _key(registered["household"]["id"])
        self.ids["Parent"] = _key(registered["household"]["parents"][0]["id"])
        birth = date(2015, 5, 20)
        child = await query_data(self.client, token, REGISTER_CHILD, input={"child": {
            "householdId": registered["household"]["id"], "name": "张小明", "gender": "MALE",
            "birthDate": birth.isoformat(), "idNumber": make_id_number(REGION, birth, 11),
            "livingArrangement": "WITH_GRANDPARENTS", "schoolStatus": "IN_SCHOOL",
            "studentNumber": "S2026001", "recordedKeyReasons": ["BEGGING"],
        }})  # fmt: skip
        assert child["registerChild"]["errors"] == [], child
        self.ids["Child"] = _key(child["registerChild"]["child"]["id"])
        async with self.sessions() as session:
            contract = await session.scalar(text("SELECT id FROM ngo_contracts LIMIT 1"))
        assert contract is not None
        self.ids["NgoContract"] = contract

    async def row(self, target: Target) -> tuple[int, dict[str, Any]]:
        """The row's version and the stored value of each of the target's fields."""
        async with self.sessions() as session:
            row = await session.get(target.model, self.ids[target.type_name])
            assert row is not None
            return row.version, {name: _stored(getattr(row, name)) for name in target.compared}

    async def update(self, target: Target, changes: dict[str, Any]) -> list[dict[str, Any]]:
        """Send the changes at the stored version; the errors."""
        version, _ = await self.row(target)
        data = await query_data(
            self.client,
            await self.token(target.user),
            target.document(),
            input=target.input(self.ids[target.type_name], version, changes),
        )
        errors: list[dict[str, Any]] = data[target.mutation]["errors"]
        return errors

    async def check_update(self, target: Target, changes: dict[str, Any]) -> None:
        """The property: the fields sent are stored as sent, every other one is as it was."""
        _, before = await self.row(target)
        assert await self.update(target, changes) == [], changes
        _, after = await self.row(target)
        expected = {
            name: _stored(changes[name]) if name in changes else before[name]
            for name in target.compared
        }
        assert after == expected, changes


REGISTER_HOUSEHOLD = """
mutation($input: RegisterHouseholdInput!) {
  registerHousehold(input: $input) {
    household { id parents { id } } errors { code field message }
  }
}
"""
REGISTER_CHILD = """
mutation($input: RegisterChildInput!) {
  registerChild(input: $input) { child { id } errors { code field message } }
}
"""


def _key(global_id: str) -> uuid.UUID:
    return uuid.UUID(base64.b64decode(global_id).decode().partition(":")[2])


@pytest.fixture
async def world(fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory) -> World:
    found = World(fresh_client, fresh_db, engine_for)
    await found.setup()
    return found


def _changes(target: Target) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of the target's fields, each with a value."""
    return st.fixed_dictionaries({}, optional=target.fields)


async def _child_changes(world: World, data: st.DataObject) -> dict[str, Any]:
    """Changes to the child, with an ID number that agrees with the record as it will be:
    sent whenever the birth date or gender changes while there is one, or when the record
    would have neither an ID number nor noHouseholdRegistration; else now and then."""
    # Drawn whatever the stored record is: Hypothesis replays draws, not the database.
    changes = data.draw(_changes(CHILD))
    resend, clear = data.draw(st.booleans()), data.draw(st.booleans())
    sequence = data.draw(st.integers(0, 499)) * 2
    _, stored = await world.row(CHILD)
    merged = {**stored, **changes}
    keep_number = stored["id_number"] is not None and not {"birth_date", "gender"} & set(changes)
    if resend or not keep_number:
        male = merged["gender"] is Gender.MALE  # the sequence's parity is the gender
        changes["id_number"] = (
            None
            if clear and merged["no_household_registration"]
            else make_id_number(REGION, merged["birth_date"], sequence + male)
        )
    return changes


PROPERTY = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    # One database for all examples: each one updates the record the last one left.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
async def test_update_household_changes_exactly_the_fields_sent(
    world: World, data: st.DataObject
) -> None:
    await world.check_update(HOUSEHOLD, data.draw(_changes(HOUSEHOLD)))


@PROPERTY
@given(data=st.data())
async def test_update_parent_changes_exactly_the_fields_sent(
    world: World, data: st.DataObject
) -> None:
    await world.check_update(PARENT, data.draw(_changes(PARENT)))


@PROPERTY
@given(data=st.data())
async def test_update_child_changes_exactly_the_fields_sent(
    world: World, data: st.DataObject
) -> None:
    await world.check_update(CHILD, await _child_changes(world, data))


@PROPERTY
@given(data=st.data())
async def test_update_ngo_contract_changes_exactly_the_fields_sent(
    world: World, data: st.DataObject
) -> None:
    await world.check_update(CONTRACT, data.draw(_changes(CONTRACT)))


# Two values of each field, so that one of them differs from whatever is stored.
ALTERNATIVES: dict[str, dict[str, tuple[Any, Any]]] = {
    "updateHousehold": {
        "address": ("伯浩村1组1号", "伯浩村2组8号"),
        "phone": ("13712345678", "0711-3456789"),
        "minimum_allowance": (True, False),
        "extreme_poverty": (True, False),
        "registered_poverty": (True, False),
    },
    "updateParent": {
        "relation": (ParentRelation.FATHER, ParentRelation.MOTHER),
        "name": ("张伟", "李芳"),
        "status": (ParentStatus.AT_HOME, ParentStatus.WORKING_AWAY),
        "id_number": (make_id_number("420702", date(1985, 3, 4), 12),
                      make_id_number("420702", date(1985, 3, 4), 13)),
        "phone": ("13900002222", "13600001234"),
        "work_place": ("广东省东莞市", "浙江省杭州市"),
        "work_province_code": ("44", "33"),
        "away_since": (date(2024, 3, 1), date(2025, 3, 1)),
        "contact_frequency": (ContactFrequency.WEEKLY, ContactFrequency.MONTHLY),
        "last_contact_on": (date(2025, 1, 1), date(2025, 2, 1)),
        "home_at_holidays": (True, False),
    },
    # The child has no ID number while these run (see the test), so birth date and gender
    # may change alone.
    "updateChild": {
        "name": ("张小明", "张晓明"),
        "gender": (Gender.MALE, Gender.FEMALE),
        "birth_date": (date(2015, 5, 20), date(2014, 8, 1)),
        "living_arrangement": (LivingArrangement.WITH_GRANDPARENTS,
                               LivingArrangement.WITH_RELATIVES),
        "school_status": (SchoolStatus.IN_SCHOOL, SchoolStatus.DROPPED_OUT),
        "student_number": ("S2026001", "S2026002"),
        "disability": (True, False),
        "serious_illness": (True, False),
        "safety_risk": (True, False),
        "scattered_orphan": (True, False),
        "recorded_key_reasons": ([KeyChildReason.BEGGING], [KeyChildReason.DROPPED_OUT]),
    },
    "updateNgoContract": {
        "title": ("太和镇关爱服务", "太和镇关爱服务二期"),
        "area_scope": ([DEMO_TOWNSHIP], [DEMO_VILLAGE, DEMO_VILLAGE2]),
        "service_types": ([NgoServiceType.COUNSELLING], [NgoServiceType.TRAINING]),
        "starts_on": (date(2026, 1, 1), date(2026, 2, 1)),
        "ends_on": (date(2027, 1, 31), date(2027, 6, 30)),
    },
}  # fmt: skip


async def test_each_field_sent_alone_changes_that_field_only(world: World) -> None:
    # No ID number, so that the birth date and gender may change one at a time.
    await world.check_update(CHILD, {"no_household_registration": True, "id_number": None})
    for target in TARGETS:
        alternatives = ALTERNATIVES[target.mutation]
        # Every field of the input but the village (which cannot change) has its turn.
        assert set(alternatives) | {"area_code", "no_household_registration"} >= set(
            target.fields
        ), target.mutation
        for name, (first, second) in alternatives.items():
            _, stored = await world.row(target)
            value = second if _stored(first) == stored.get(name, _stored(first)) else first
            await world.check_update(target, {name: value})
    # And the child's ID number alone, agreeing with the birth date and gender stored.
    _, child = await world.row(CHILD)
    sequence = 500 + (child["gender"] is Gender.MALE)
    await world.check_update(
        CHILD, {"id_number": make_id_number(REGION, child["birth_date"], sequence)}
    )
    await world.check_update(CHILD, {"no_household_registration": False})


async def test_null_clears_a_field_that_may_be_empty_and_is_required_elsewhere(
    world: World,
) -> None:
    await world.check_update(CHILD, {"no_household_registration": True})
    for target in TARGETS:
        for name in target.compared:
            version, before = await world.row(target)
            # A sealed ID number is no column of its own, and may be empty.
            column = target.model.__table__.c.get(name)
            errors = await world.update(target, {name: None})
            after_version, after = await world.row(target)
            if column is None or column.nullable:
                assert errors == [], (target.mutation, name)
                assert after == {**before, name: None}
            else:
                assert [(e["code"], e["field"].rpartition(".")[2]) for e in errors] == [
                    ("REQUIRED", camel(name))
                ], (target.mutation, name, errors)
                assert (after_version, after) == (version, before)


async def test_what_the_issue_lost_is_kept(world: World) -> None:
    """updateParent with only contactFrequency, updateChild without studentNumber,
    updateHousehold without minimumAllowance (issue 11)."""
    await world.check_update(HOUSEHOLD, {"minimum_allowance": True})
    child = f'{{ child(id: "{gid("Child", world.ids["Child"])}") {{ categories }} }}'
    token = await world.token("demo-village")
    assert (
        "DIFFICULTY_ECONOMIC"
        in (await query_data(world.client, token, child))["child"]["categories"]
    )
    _, parent = await world.row(PARENT)
    await world.check_update(PARENT, {"contact_frequency": ContactFrequency.MONTHLY})
    _, kept = await world.row(PARENT)
    assert kept == {**parent, "contact_frequency": ContactFrequency.MONTHLY}
    assert kept["phone"] and kept["work_place"] and kept["work_province_code"]
    await world.check_update(CHILD, {"name": "张晓明"})
    _, stored = await world.row(CHILD)
    assert stored["student_number"] == "S2026001"
    await world.check_update(HOUSEHOLD, {"address": "伯浩村2组8号"})
    _, household = await world.row(HOUSEHOLD)
    assert household["minimum_allowance"] is True
    assert (
        "DIFFICULTY_ECONOMIC"
        in (await query_data(world.client, token, child))["child"]["categories"]
    )


async def test_rules_across_fields_see_the_record_as_it_will_be(world: World) -> None:
    # The stored ID number says born 2015-05-20, male: a birth date or gender sent alone
    # that disagrees with it is refused, and so is removing the number while it is needed.
    for changes in ({"birth_date": date(2014, 1, 1)}, {"gender": Gender.FEMALE}):
        errors = await world.update(CHILD, changes)
        assert [e["code"] for e in errors] == ["ID_NUMBER_MISMATCH"], changes
    errors = await world.update(CHILD, {"id_number": None})
    assert [(e["code"], e["field"]) for e in errors] == [("REQUIRED", "idNumber")]
    # A contract's end sent alone is checked against the start stored.
    errors = await world.update(CONTRACT, {"ends_on": date(2020, 1, 1)})
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_DATES", "endsOn")]


async def test_a_create_is_told_every_missing_field_at_once(world: World) -> None:
    token = await world.token("demo-village")
    household = await query_data(world.client, token, REGISTER_HOUSEHOLD, input={
        "areaCode": DEMO_VILLAGE, "address": "伯浩村3组12号", "phone": "12345",
        "parents": [{"relation": "FATHER"},
                    {"relation": "MOTHER", "name": "李芳", "status": "AT_HOME",
                     "phone": "12345", "homeAtHolidays": None}],
    })  # fmt: skip
    errors = {(e["code"], e["field"]) for e in household["registerHousehold"]["errors"]}
    assert errors == {
        ("INVALID_PHONE", "phone"),
        ("REQUIRED", "parents.0.name"),
        ("REQUIRED", "parents.0.status"),
        ("INVALID_PHONE", "parents.1.phone"),
    }
    household_id = gid("Household", world.ids["Household"])
    child = await query_data(world.client, token, REGISTER_CHILD, input={"child": {
        "householdId": household_id, "name": "张二", "livingArrangement": "WITH_GRANDPARENTS",
        "schoolStatus": "IN_SCHOOL", "noHouseholdRegistration": True, "disability": None,
    }})  # fmt: skip
    errors = {(e["code"], e["field"]) for e in child["registerChild"]["errors"]}
    assert errors == {("REQUIRED", "gender"), ("REQUIRED", "birthDate"), ("REQUIRED", "disability")}
    # Booleans and the recorded reasons left out of a registration are false and none.
    created = await query_data(world.client, token, REGISTER_CHILD, input={"child": {
        "householdId": household_id, "name": "张二", "gender": "FEMALE",
        "birthDate": "2016-02-03", "livingArrangement": "WITH_GRANDPARENTS",
        "schoolStatus": "IN_SCHOOL", "noHouseholdRegistration": True,
    }})  # fmt: skip
    assert created["registerChild"]["errors"] == []
    async with world.sessions() as session:
        row = await session.get(Child, _key(created["registerChild"]["child"]["id"]))
        assert row is not None
        assert (row.disability, row.serious_illness, row.safety_risk, row.scattered_orphan) == (
            False, False, False, False
        )  # fmt: skip
        assert (row.recorded_key_reasons, row.id_number, row.student_number) == ([], None, None)
