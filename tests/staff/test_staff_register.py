"""The staff register through the API: a county onboards a director, who reads at once and
writes once trained; leaving cuts every credential at once; nobody manages a role at or
above their own, nor people outside their areas."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.apikeys import create_api_key
from app.models import Organization
from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from app.services.daily import open_training_tasks
from app.settings import Settings
from tests.auth.test_auth import login, refresh
from tests.command import shouhu
from tests.conftest import within_a_second
from tests.documents import REGISTER_HOUSEHOLD, household_input
from tests.graphql import gid, graphql_body, mutation_payload, query_data
from tests.staff.documents import (
    CHANGE_PASSWORD,
    CREATE_STAFF,
    DEACTIVATE_STAFF,
    GRANT_ROLE,
    ME,
    RECORD_TRAINING,
    RESET_PASSWORD,
    REVOKE_ROLE,
    STAFF,
    UPDATE_STAFF,
)
from tests.world import World, key_of

NEW_PASSWORD = "河边的柳树-2026-春"
# Failed logins in a row before an account backs off (the default setting).
LOGIN_ACCOUNT_FAILURES = Settings.model_fields["login_account_failures"].default
CHILDREN = "{ children(first: 5) { totalCount } }"


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def onboard(client: AsyncClient, token: str, **fields: Any) -> dict[str, Any]:
    """Register a director of the demo village (by the holder of `token`); the payload."""
    payload = await mutation_payload(
        client, token, CREATE_STAFF,
        username=fields.pop("username", "wang.fang"), displayName="王芳",
        role="VILLAGE_DIRECTOR", areaCode=fields.pop("areaCode", DEMO_VILLAGE),
        phone="13912345678", appointedOn=clock.today().isoformat(), **fields,
    )  # fmt: skip
    return payload


async def first_login(client: AsyncClient, username: str, one_time: str) -> str:
    """Log in with a one-time password and replace it; the access token."""
    logged_in = await login(client, username, one_time)
    assert logged_in["errors"] == [], logged_in
    token: str = logged_in["accessToken"]
    changed = await mutation_payload(
        client, token, CHANGE_PASSWORD, currentPassword=one_time, newPassword=NEW_PASSWORD
    )
    assert changed == {"ok": True, "errors": []}, changed
    return token


async def other_township(world: World) -> tuple[str, str]:
    """A township of the demo county other than the demo township, and a village of it."""
    row = await world.row(
        "SELECT t.code, v.code FROM areas t JOIN areas v ON v.parent_code = t.code "
        "WHERE t.level = 'township' AND t.code LIKE :county AND t.code <> :township "
        "ORDER BY t.code, v.code LIMIT 1",
        county=f"{DEMO_COUNTY}%", township=DEMO_TOWNSHIP,
    )  # fmt: skip
    return row[0], row[1]


async def test_a_county_onboards_a_director_who_writes_only_once_trained(
    fresh_client: AsyncClient, world: World
) -> None:
    county = await world.token("demo-county")
    made = await onboard(fresh_client, county)
    assert made["errors"] == [], made
    staff, one_time = made["staff"], made["oneTimePassword"]
    assert staff["role"] == "VILLAGE_DIRECTOR" and staff["areaCode"] == DEMO_VILLAGE
    assert staff["mustChangePassword"] is True and staff["mayWrite"] is False
    assert staff["trainings"] == [] and staff["refresherDueOn"] is None

    # First login: nothing but changing the one-time password is allowed.
    logged_in = await login(fresh_client, "wang.fang", one_time)
    assert logged_in["user"]["username"] == "wang.fang"
    token = logged_in["accessToken"]
    refused = await graphql_body(fresh_client, token, CHILDREN)
    assert refused["errors"][0]["extensions"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    me = await query_data(fresh_client, token, ME)
    assert me["me"]["mustChangePassword"] is True
    for weak, code in (
        ("short1", "PASSWORD_TOO_SHORT"),
        ("wang.fang-2026!", "PASSWORD_HAS_USERNAME"),
        ("password123", "PASSWORD_TOO_COMMON"),
    ):
        payload = await mutation_payload(
            fresh_client, token, CHANGE_PASSWORD, currentPassword=one_time, newPassword=weak
        )
        assert codes(payload) == [code], payload
    token = await first_login(fresh_client, "wang.fang", one_time)

    # Untrained: reads work, writes are refused with the reason.
    assert (await query_data(fresh_client, token, CHILDREN))["children"]["totalCount"] > 0
    me = await query_data(fresh_client, token, ME)
    assert me["me"] == {
        "username": "wang.fang", "role": "VILLAGE_DIRECTOR", "areaCode": DEMO_VILLAGE,
        "mustChangePassword": False, "mayWrite": False, "refresherDueOn": None,
    }  # fmt: skip
    blocked = await mutation_payload(fresh_client, token, REGISTER_HOUSEHOLD, **household_input())
    assert codes(blocked) == ["TRAINING_REQUIRED"], blocked
    assert "培训" in blocked["errors"][0]["message"]
    households = "SELECT count(*) FROM households WHERE address = '伯浩村3组12号'"
    assert await world.scalar(households) == 0

    # The daily job owes the county a training of her; a failed training changes nothing, a
    # passed one opens writing and settles the task in the same write.
    async with world.engine.begin() as conn:
        assert await open_training_tasks(conn, clock.now()) >= 1
    task = (
        "SELECT status FROM tasks WHERE kind = 'staff_training' AND subject_id = :person "
        "AND assignee_role = 'county_civil_affairs'"
    )
    person = uuid.UUID(key_of(staff["id"]))
    assert await world.scalar(task, person=person) == "open"
    today = clock.today()
    failed = await mutation_payload(
        fresh_client, county, RECORD_TRAINING, staffId=staff["id"],
        trainedOn=today.isoformat(), course="儿童主任岗前培训", result="FAILED",
    )  # fmt: skip
    assert failed["errors"] == [] and failed["staff"]["mayWrite"] is False
    passed = await mutation_payload(
        fresh_client, county, RECORD_TRAINING, staffId=staff["id"],
        trainedOn=today.isoformat(), course="儿童主任岗前培训（补考）", result="PASSED",
    )  # fmt: skip
    assert passed["errors"] == [], passed
    assert passed["staff"]["mayWrite"] is True
    assert await world.scalar(task, person=person) == "done"
    assert passed["staff"]["trainedOn"] == today.isoformat()
    assert [t["result"] for t in passed["staff"]["trainings"]] == ["PASSED", "FAILED"]
    due = passed["staff"]["refresherDueOn"]
    assert due is not None and due > today.isoformat()

    # Her verified token is remembered until the database's notice of the training reaches
    # the process: within a second.
    async def writes() -> bool:
        written = await mutation_payload(
            fresh_client, token, REGISTER_HOUSEHOLD, **household_input()
        )
        refused = codes(written)
        assert refused in ([], ["TRAINING_REQUIRED"]), written
        return not refused

    assert await within_a_second(writes)
    assert await world.scalar(households) == 1
    # Her supervisor follows her work with the other directors'.
    supervisor = await world.token("demo-township")
    work = await query_data(
        fresh_client, supervisor,
        "query($area: String!) { staffWork(areaCode: $area) { directors { staffId name "
        "villageCode trainedOn lastActivityAt } } }",
        area=DEMO_TOWNSHIP,
    )  # fmt: skip
    row = next(r for r in work["staffWork"]["directors"] if r["staffId"] == staff["id"])
    assert (row["name"], row["villageCode"]) == ("王芳", DEMO_VILLAGE)
    assert row["trainedOn"] == today.isoformat() and row["lastActivityAt"] is not None
    audited = await world.scalar(
        "SELECT count(*) FROM audit_events WHERE action IN ('createStaff', 'recordTraining') "
        "AND :record = ANY(record_ids)",
        record=f"Staff:{uuid.UUID(key_of(staff['id']))}",
    )
    assert audited == 3


async def test_deactivation_cuts_every_credential_at_once(
    fresh_client: AsyncClient, world: World
) -> None:
    admin = await world.token("demo-admin")
    school = await world.scalar("SELECT organization_id FROM users WHERE username = 'demo-school'")
    made = await mutation_payload(
        fresh_client, admin, CREATE_STAFF, username="li.teacher", displayName="李老师",
        role="SCHOOL", areaCode=DEMO_TOWNSHIP, organizationId=str(school),
    )  # fmt: skip
    assert made["errors"] == [], made
    staff = made["staff"]
    await first_login(fresh_client, "li.teacher", made["oneTimePassword"])
    # Two devices logged in, a personal API key, a role granted on top.
    phone = await login(fresh_client, "li.teacher", NEW_PASSWORD)
    tablet = await login(fresh_client, "li.teacher", NEW_PASSWORD)
    async with world.engine.begin() as conn:
        session = AsyncSession(bind=conn)
        organization = await session.get(Organization, school)
        assert organization is not None
        person = uuid.UUID(key_of(staff["id"]))
        _, api_key = await create_api_key(session, organization, "pupil roll", person)
        await session.flush()
    elsewhere, _ = await other_township(world)
    granted = await mutation_payload(
        fresh_client, admin, GRANT_ROLE, staffId=staff["id"], role="SCHOOL", areaCode=elsewhere
    )
    assert granted["errors"] == [], granted
    pupils = "{ me { username } }"
    for token in (phone["accessToken"], tablet["accessToken"]):
        assert (await query_data(fresh_client, token, pupils))["me"]["username"] == "li.teacher"
    keyed = await graphql_body(fresh_client, None, CHILDREN, headers={"X-API-Key": api_key})
    assert "errors" not in keyed, keyed

    gone = await mutation_payload(fresh_client, admin, DEACTIVATE_STAFF, staffId=staff["id"])
    assert gone["errors"] == [], gone
    assert gone["staff"]["active"] is False
    assert gone["staff"]["leftOn"] == clock.today().isoformat()
    assert gone["endedLogins"] == 3 and gone["revokedApiKeys"] == 1
    assert gone["revokedGrants"] == 1

    for token in (phone["accessToken"], tablet["accessToken"]):
        refused = await graphql_body(fresh_client, token, pupils)
        assert refused["errors"][0]["extensions"]["code"] in ("ACCOUNT_INACTIVE", "TOKEN_INVALID")
    assert codes(await refresh(fresh_client, phone["refreshToken"])) != []
    assert codes(await login(fresh_client, "li.teacher", NEW_PASSWORD)) == ["ACCOUNT_INACTIVE"]
    keyed = await graphql_body(fresh_client, None, CHILDREN, headers={"X-API-Key": api_key})
    assert keyed["errors"][0]["extensions"]["code"] == "API_KEY_INVALID"
    grants = await world.scalar(
        "SELECT count(*) FROM casbin_rule WHERE ptype = 'g' AND v0 = 'user:li.teacher'"
    )
    assert grants == 0
    # A retry changes nothing and says so.
    again = await mutation_payload(fresh_client, admin, DEACTIVATE_STAFF, staffId=staff["id"])
    assert again["errors"] == [] and again["endedLogins"] == 0


async def test_a_supervisor_manages_own_directors_only_and_no_role_of_their_rank_or_above(
    fresh_client: AsyncClient, world: World
) -> None:
    supervisor = await world.token("demo-township")
    _, elsewhere_village = await other_township(world)
    # Their own township's new director: yes.
    made = await onboard(fresh_client, supervisor, username="zhao.lei")
    assert made["errors"] == [], made
    # Another township's village: no.
    refused = await onboard(
        fresh_client, supervisor, username="qian.li", areaCode=elsewhere_village
    )
    assert codes(refused) == ["FORBIDDEN"] and refused["errors"][0]["field"] == "areaCode"
    # A county role, or a supervisor like themself: no.
    village2 = await world.scalar("SELECT id FROM users WHERE username = 'demo-village2'")
    for role, area in (
        ("COUNTY_CIVIL_AFFAIRS", DEMO_COUNTY),
        ("TOWNSHIP_SUPERVISOR", DEMO_TOWNSHIP),
    ):
        granted = await mutation_payload(
            fresh_client, supervisor, GRANT_ROLE, staffId=gid("Staff", village2),
            role=role, areaCode=area,
        )  # fmt: skip
        assert codes(granted) == ["FORBIDDEN"], granted
        assert granted["errors"][0]["field"] == "role"
    # Another township's director is not theirs to see, let alone to manage.
    county = await world.token("demo-county")
    theirs = await onboard(fresh_client, county, username="sun.hao", areaCode=elsewhere_village)
    assert theirs["errors"] == [], theirs
    for document, fields in (
        (RESET_PASSWORD, {}),
        (DEACTIVATE_STAFF, {}),
        (UPDATE_STAFF, {"expectedVersion": 1, "phone": "13800000000"}),
        (RECORD_TRAINING, {"trainedOn": clock.today().isoformat(), "course": "x",
                           "result": "PASSED"}),
    ):  # fmt: skip
        payload = await mutation_payload(
            fresh_client, supervisor, document, staffId=theirs["staff"]["id"], **fields
        )
        assert codes(payload) == ["NOT_FOUND"], (document, payload)
    listed = await query_data(fresh_client, supervisor, STAFF, first=100)
    areas = {edge["node"]["areaCode"] for edge in listed["staff"]["edges"]}
    assert areas and all(code.startswith(DEMO_TOWNSHIP) for code in areas), areas
    assert "sun.hao" not in {edge["node"]["username"] for edge in listed["staff"]["edges"]}
    # The county itself: a township's director, yes; a county role, no.
    promoted = await mutation_payload(
        fresh_client, county, GRANT_ROLE, staffId=theirs["staff"]["id"],
        role="COUNTY_CIVIL_AFFAIRS", areaCode=DEMO_COUNTY,
    )  # fmt: skip
    assert codes(promoted) == ["FORBIDDEN"], promoted


async def test_a_granted_role_reaches_a_neighbouring_village_until_revoked(
    fresh_client: AsyncClient, world: World
) -> None:
    county = await world.token("demo-county")
    village = await world.scalar("SELECT id FROM users WHERE username = 'demo-village'")
    director = await world.token("demo-village")
    village2_children = (
        "query($area: String!) { children(filter: {areaCode: $area}, first: 1) { totalCount } }"
    )

    async def seen() -> int:
        data = await query_data(fresh_client, director, village2_children, area=DEMO_VILLAGE2)
        total: int = data["children"]["totalCount"]
        return total

    assert await seen() == 0
    granted = await mutation_payload(
        fresh_client, county, GRANT_ROLE, staffId=gid("Staff", village),
        role="VILLAGE_DIRECTOR", areaCode=DEMO_VILLAGE2,
    )  # fmt: skip
    assert granted["errors"] == [], granted
    assert granted["staff"]["grants"] == [{"role": "VILLAGE_DIRECTOR", "areaCode": DEMO_VILLAGE2}]
    again = await mutation_payload(
        fresh_client, county, GRANT_ROLE, staffId=gid("Staff", village),
        role="VILLAGE_DIRECTOR", areaCode=DEMO_VILLAGE2,
    )  # fmt: skip
    assert codes(again) == ["ALREADY_GRANTED"]

    async def covering() -> bool:
        return await seen() > 0

    assert await within_a_second(covering)
    revoked = await mutation_payload(
        fresh_client, county, REVOKE_ROLE, staffId=gid("Staff", village),
        role="VILLAGE_DIRECTOR", areaCode=DEMO_VILLAGE2,
    )  # fmt: skip
    assert revoked["errors"] == [] and revoked["staff"]["grants"] == []

    async def gone() -> bool:
        return await seen() == 0

    assert await within_a_second(gone)


async def test_the_register_is_read_within_one_s_areas(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    own = await query_data(fresh_client, village, STAFF, first=10)
    assert [e["node"]["username"] for e in own["staff"]["edges"]] == ["demo-village"]
    county = await world.token("demo-county")
    listed = await query_data(
        fresh_client, county, STAFF, areaCode=DEMO_TOWNSHIP, role="VILLAGE_DIRECTOR", first=5
    )
    page = listed["staff"]
    directors = await world.scalar(
        "SELECT count(*) FROM users WHERE role = 'village_director' AND area_code LIKE :t",
        t=f"{DEMO_TOWNSHIP}%",
    )
    assert page["totalCount"] == directors > 5
    assert page["pageInfo"]["hasNextPage"] is True
    following = await query_data(
        fresh_client, county, STAFF, areaCode=DEMO_TOWNSHIP, role="VILLAGE_DIRECTOR",
        first=100, after=page["pageInfo"]["endCursor"],
    )  # fmt: skip
    seen = [e["node"]["username"] for e in page["edges"] + following["staff"]["edges"]]
    assert len(seen) == len(set(seen)) == directors
    trained = next(e["node"] for e in page["edges"])
    assert trained["mayWrite"] is True and trained["trainings"][0]["result"] == "PASSED"


async def test_an_update_changes_only_what_it_is_sent(
    fresh_client: AsyncClient, world: World
) -> None:
    county = await world.token("demo-county")
    made = await onboard(fresh_client, county)
    staff = made["staff"]
    updated = await mutation_payload(
        fresh_client, county, UPDATE_STAFF, staffId=staff["id"], expectedVersion=staff["version"],
        phone="13700001111",
    )  # fmt: skip
    assert updated["errors"] == [], updated
    after = updated["staff"]
    assert after["phone"] == "13700001111"
    assert {k: v for k, v in after.items() if k not in ("phone", "version")} == {
        k: v for k, v in staff.items() if k not in ("phone", "version")
    }
    stale = await mutation_payload(
        fresh_client, county, UPDATE_STAFF, staffId=staff["id"], expectedVersion=staff["version"],
        displayName="王芳芳",
    )  # fmt: skip
    assert codes(stale) == ["VERSION_CONFLICT"] and stale["current"]["version"] == after["version"]
    moved = await mutation_payload(
        fresh_client, county, UPDATE_STAFF, staffId=staff["id"], expectedVersion=after["version"],
        areaCode=DEMO_TOWNSHIP,
    )  # fmt: skip
    assert codes(moved) == ["INVALID_AREA"], moved
    # Made the township's supervisor: a post the county manages, at a township.
    promoted = await mutation_payload(
        fresh_client, county, UPDATE_STAFF, staffId=staff["id"], expectedVersion=after["version"],
        role="TOWNSHIP_SUPERVISOR", areaCode=DEMO_TOWNSHIP,
    )  # fmt: skip
    assert promoted["errors"] == [], promoted
    assert (promoted["staff"]["role"], promoted["staff"]["areaCode"]) == (
        "TOWNSHIP_SUPERVISOR", DEMO_TOWNSHIP,
    )  # fmt: skip
    # … but not to the county's own rank.
    refused = await mutation_payload(
        fresh_client, county, UPDATE_STAFF, staffId=staff["id"],
        expectedVersion=promoted["staff"]["version"], role="COUNTY_CIVIL_AFFAIRS",
        areaCode=DEMO_COUNTY,
    )  # fmt: skip
    assert codes(refused) == ["FORBIDDEN"], refused


async def test_a_reset_ends_the_logins_and_asks_for_a_new_password(
    fresh_client: AsyncClient, world: World
) -> None:
    county = await world.token("demo-county")
    made = await onboard(fresh_client, county)
    await first_login(fresh_client, "wang.fang", made["oneTimePassword"])
    session = await login(fresh_client, "wang.fang", NEW_PASSWORD)
    reset = await mutation_payload(
        fresh_client, county, RESET_PASSWORD, staffId=made["staff"]["id"]
    )
    assert reset["errors"] == [] and reset["staff"]["mustChangePassword"] is True
    assert reset["oneTimePassword"] not in (None, made["oneTimePassword"])
    assert codes(await refresh(fresh_client, session["refreshToken"])) != []
    assert codes(await login(fresh_client, "wang.fang", NEW_PASSWORD)) == ["INVALID_CREDENTIALS"]
    await first_login(fresh_client, "wang.fang", reset["oneTimePassword"])


async def test_bad_input_is_refused_whole(fresh_client: AsyncClient, world: World) -> None:
    county = await world.token("demo-county")
    taken = await onboard(fresh_client, county, username="demo-village")
    assert codes(taken) == ["USERNAME_TAKEN"]
    wrong = await mutation_payload(
        fresh_client, county, CREATE_STAFF, username="a b", displayName=" ",
        role="VILLAGE_DIRECTOR", areaCode=DEMO_TOWNSHIP, phone="12",
    )  # fmt: skip
    assert sorted(codes(wrong)) == [
        "INVALID_AREA", "INVALID_PHONE", "INVALID_USERNAME", "REQUIRED",
    ]  # fmt: skip
    users = await world.scalar("SELECT count(*) FROM users WHERE username = 'a b'")
    assert users == 0
    # A retry of a registration makes the person once.
    client_id = str(uuid.uuid4())
    first = await onboard(fresh_client, county, id=client_id, username="zhou.min")
    second = await onboard(fresh_client, county, id=client_id, username="zhou.min")
    assert first["errors"] == second["errors"] == []
    assert second["staff"]["id"] == first["staff"]["id"] and second["oneTimePassword"] is None
    count = await world.scalar("SELECT count(*) FROM users WHERE username = 'zhou.min'")
    assert count == 1
    must_change = "SELECT must_change_password FROM users WHERE username = 'zhou.min'"
    assert await world.scalar(must_change) is True


async def test_the_operator_registers_a_deployment_s_first_administrator(
    fresh_client: AsyncClient, fresh_db: str, world: World
) -> None:
    made = await asyncio.to_thread(
        shouhu, fresh_db, "staff", "add", "ops.chen", "--name", "陈工", "--role", "admin",
        "--area", "42",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    one_time = made.stdout.strip()
    token = await first_login(fresh_client, "ops.chen", one_time)
    me = await query_data(fresh_client, token, ME)
    assert me["me"]["role"] == "ADMIN" and me["me"]["mustChangePassword"] is False
    # The operator's refusals are as the API's: the username taken, the area unknown.
    again = await asyncio.to_thread(
        shouhu, fresh_db, "staff", "add", "ops.chen", "--name", "陈工", "--role", "admin",
        "--area", "99",
    )  # fmt: skip
    assert again.returncode == 2
    assert "areaCode" in again.stdout + again.stderr
    assert await world.scalar("SELECT count(*) FROM users WHERE username = 'ops.chen'") == 1


async def test_guessing_the_current_password_is_throttled_as_logging_in_is(
    fresh_client: AsyncClient, world: World
) -> None:
    county = await world.token("demo-county")
    made = await onboard(fresh_client, county)
    token = await first_login(fresh_client, "wang.fang", made["oneTimePassword"])

    async def change(current: str, new: str) -> list[str]:
        payload = await mutation_payload(
            fresh_client, token, CHANGE_PASSWORD, currentPassword=current, newPassword=new
        )
        return codes(payload)

    # A right current password with a new one the policy refuses is no guess …
    for _ in range(LOGIN_ACCOUNT_FAILURES + 1):
        assert await change(NEW_PASSWORD, "short") == ["PASSWORD_TOO_SHORT"]
    # … a wrong one is, and the account backs off as a login would: the right password too.
    for _ in range(LOGIN_ACCOUNT_FAILURES):
        assert await change("not-my-password", "另一个足够长的密码-2027") == ["INVALID_CREDENTIALS"]
    assert await change(NEW_PASSWORD, "另一个足够长的密码-2027") == ["LOGIN_THROTTLED"]
    assert codes(await login(fresh_client, "wang.fang", NEW_PASSWORD)) == ["LOGIN_THROTTLED"]
