"""The leak matrix: every role × every root field × objects inside and outside its scope.

What each role may see is written here a second time, as plain SQL over the demo data (the
oracle), independently of authz/. Every id of a child, household or case that appears
anywhere in any response (through node, aliases, fragments, nested paths or lists) must be in
the oracle's set for that role; and objects in scope must actually be readable.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from graphql import build_schema
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.auth.tokens import issue_access_token
from app.database import create_engine
from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_USERS, DEMO_VILLAGE, DEMO_VILLAGE2
from app.settings import Settings
from schema import schema
from tests.conftest import (
    TODAY_SQL,
    EngineFactory,
    create_database,
    drop_database,
    service_client,
)
from tests.graphql import graphql_response

ROLES = [user.username for user in DEMO_USERS]
OPERATIONS = Path(__file__).parents[2] / "mobile_contract" / "operations"

# Root fields and the probes below that exercise them; a new root field must be added here.
PROBED_QUERY_FIELDS = {
    "node", "areas", "children", "child", "cases", "me", "households", "visits", "dueVisits",
    "syncPull", "studentFollowUps", "ngoContracts", "ngoContract", "ngoOrganizations",
    "areaStatistics", "duplicateReports", "auditEvents", "referrals", "organizations",
    "childMoveRequests",
    "caseStatus",
    "myTasks", "taskCounts",
    "webhookSubscribers",
    "schoolRates",
    # below: who reads the register (and tests/staff/test_staff_register.py)
    "staff",
    # tests/statistics/test_staff_work.py probes this:
    "staffWork",
}  # fmt: skip
PROBED_MUTATION_FIELDS = {
    "login", "refreshToken", "logout",
    # tests/children/test_child_mutations.py probes these for targets outside the scope:
    "registerHousehold", "updateHousehold", "updateParent", "registerChild", "updateChild",
    "recordVisit", "syncPush",
    # tests/cases/test_case_mutations.py and
    # tests/guardianships/test_guardianship_mutations.py probe these:
    "reportConcern", "startEmergencyResponse", "startAssessment", "completeAssessment",
    "recordMeasure", "referCase", "startFollowUp", "closeCase",
    "entrustGuardian", "assessGuardian", "confirmGuardianship", "endGuardianship",
    "moveChild", "archiveChild",
    # tests/absences/test_absence_submissions.py probes these:
    "submitAbsences", "setDropoutFollowUp",
    # tests/cases/test_case_timeline.py probes this:
    "assignCase",
    # tests/ngo_contracts/test_ngo_contracts.py probes these:
    "createNgoContract", "updateNgoContract", "assignNgoContractChildren",
    "unassignNgoContractChildren",
    # tests/cases/test_case_workflow_by_category.py probes these:
    "closeAsUnfounded", "recordReturnedToSchool", "recordNotReturned", "sendWrittenReport",
    # tests/cases/test_referrals.py probes these:
    "acceptReferral", "declineReferral", "completeReferral",
    # tests/children/test_child_move_requests.py probes these:
    "requestChildMove", "acceptChildMove", "declineChildMove", "cancelChildMove",
    # tests/cases/test_intake.py probes these, and below who may take in a report:
    "reportIntake", "mergeProvisionalChild",
    # tests/tasks/test_tasks.py probes these:
    "completeTask", "dismissTask",
    # tests/webhooks/test_webhooks.py probes these, and below who sees which subscribers:
    "registerWebhookSubscriber", "deactivateWebhookSubscriber",
    # tests/children/test_merges.py probes this (files out of scope answer as missing ones):
    "mergeChildren",
    # tests/staff/test_staff_register.py probes these, and below who manages whom:
    "createStaff", "updateStaff", "deactivateStaff", "resetPassword", "recordTraining",
    "grantRole", "revokeRole", "changePassword",
}  # fmt: skip

# Cases referred to the role's organization, but those it declined.
REFERRED = (
    "(SELECT case_id FROM case_referrals WHERE organization_id = :org AND status <> 'declined')"
)
RECEIVERS = ("demo-county", "demo-legalaid")
ORACLE = {
    "children": {
        "demo-village": "area_code = :village",
        "demo-village2": "area_code = :village2",
        "demo-township": "area_code LIKE :township || '%'",
        "demo-centre": "id IN (SELECT child_id FROM cases WHERE area_code LIKE :county || '%')",
        "demo-police": "id IN (SELECT child_id FROM cases WHERE reported_to_police "
        "AND area_code LIKE :township || '%')",
        **{r: f"id IN (SELECT child_id FROM cases WHERE id IN {REFERRED})" for r in RECEIVERS},
        "demo-school": "school_id = :org AND area_code LIKE :township || '%'",
        "demo-ngo": "area_code LIKE :county || '%' AND id IN (SELECT a.child_id "
        "FROM ngo_contract_children a JOIN ngo_contracts c ON c.id = a.contract_id "
        f"WHERE c.ngo_id = :org AND c.starts_on <= {TODAY_SQL} AND c.ends_on >= {TODAY_SQL} "
        "AND a.unassigned_at IS NULL)",
    },
    "cases": {
        "demo-village": "area_code = :village",
        "demo-village2": "area_code = :village2",
        "demo-township": "area_code LIKE :township || '%'",
        "demo-centre": "area_code LIKE :county || '%'",
        "demo-police": "reported_to_police AND area_code LIKE :township || '%'",
        **{r: f"id IN {REFERRED}" for r in RECEIVERS},
    },
    "visits": {
        "demo-village": "area_code = :village",
        "demo-village2": "area_code = :village2",
        "demo-township": "area_code LIKE :township || '%'",
        "demo-centre": "child_id IN (SELECT child_id FROM cases "
        "WHERE area_code LIKE :county || '%')",
        "demo-police": "child_id IN (SELECT child_id FROM cases WHERE reported_to_police "
        "AND area_code LIKE :township || '%')",
        **{
            r: f"child_id IN (SELECT child_id FROM cases WHERE id IN {REFERRED})" for r in RECEIVERS
        },
        # Its own service visits, to the children it serves now.
        "demo-ngo": "organization_id = :org AND child_id IN (SELECT a.child_id "
        "FROM ngo_contract_children a JOIN ngo_contracts c ON c.id = a.contract_id "
        f"WHERE c.ngo_id = :org AND c.starts_on <= {TODAY_SQL} AND c.ends_on >= {TODAY_SQL} "
        "AND a.unassigned_at IS NULL)",
    },
    "ngo_contracts": {
        "demo-county": "area_code LIKE :county || '%'",
        "demo-ngo": "ngo_id = :org",
        # Those serving its areas, where it assigns children.
        "demo-township": "EXISTS (SELECT FROM unnest(area_scope) e "
        "WHERE e LIKE :township || '%' OR :township LIKE e || '%')",
    },
    "households": {
        "demo-village": "area_code = :village",
        "demo-village2": "area_code = :village2",
        "demo-township": "area_code LIKE :township || '%'",
        "demo-centre": "id IN (SELECT household_id FROM children WHERE id IN "
        "(SELECT child_id FROM cases WHERE area_code LIKE :county || '%'))",
        "demo-police": "id IN (SELECT household_id FROM children WHERE id IN "
        "(SELECT child_id FROM cases WHERE reported_to_police "
        "AND area_code LIKE :township || '%'))",
        **{
            r: "id IN (SELECT household_id FROM children WHERE id IN "
            f"(SELECT child_id FROM cases WHERE id IN {REFERRED}))"
            for r in RECEIVERS
        },
    },
    # Requested moves: seen on both sides, by those who request, accept or approve moves.
    "child_move_requests": {
        "demo-village": "area_code = :village OR to_area_code = :village",
        "demo-village2": "area_code = :village2 OR to_area_code = :village2",
        "demo-township": "area_code LIKE :township || '%' OR to_area_code LIKE :township || '%'",
        "demo-county": "area_code LIKE :county || '%' OR to_area_code LIKE :county || '%'",
    },
    # Tasks: those of the role in its areas.
    "tasks": {
        "demo-village": "area_code = :village AND assignee_role = 'village_director'",
        "demo-village2": "area_code = :village2 AND assignee_role = 'village_director'",
        "demo-township": "area_code LIKE :township || '%' "
        "AND assignee_role = 'township_supervisor'",
        "demo-county": "area_code LIKE :county || '%' AND assignee_role = 'county_civil_affairs'",
    },
}
# A case's history is seen with the case, by exactly those who see the case.
ORACLE["case_events"] = {
    role: f"case_id IN (SELECT id FROM cases WHERE {condition})"
    for role, condition in ORACLE["cases"].items()
}
# They see a child with its case, but may not browse lists of children.
REACH_CHILDREN_ONLY_THROUGH_CASES = {"demo-police", "demo-centre", "demo-county", "demo-legalaid"}
TABLE_OF = {
    "Child": "children", "Case": "cases", "Household": "households", "Visit": "visits",
    "NgoContract": "ngo_contracts", "CaseEvent": "case_events",
    "ChildMoveRequest": "child_move_requests", "Task": "tasks",
}  # fmt: skip
ID_PATTERN = re.compile(r'"id":\s*"([A-Za-z0-9+/=]+)"')

CHILD_FIELDS = (
    "fragment ChildFields on Child { id areaCode name idNumber categories isKeyChild "
    "household { id address parents { id name idNumber } } activeGuardian { id guardianName } "
    "guardianships { id } lastVisit { id } openCases { id } "
    "visits(first: 3) { totalCount edges { node { id } } } }"
)
HOUSEHOLD_FIELDS = (
    "fragment HouseholdFields on Household { id areaCode address children { id name idNumber } }"
)
CASE_FIELDS = (
    "fragment CaseFields on Case { id stage category child { id name household { id } } "
    "reporter { name organization { name } } assignee { name } "
    "events(first: 5) { totalCount edges { node { id caseId kind who { name } } } } "
    "referrals { id status organization { name } case { id } } referredOrganization { name } }"
)
CONTRACT_FIELDS = (
    "fragment ContractFields on NgoContract { id areaScope assignedChildCount "
    "assignedChildren(first: 100) { totalCount edges { node { ...ChildFields } } } }"
)
FRAGMENTS = f"{CHILD_FIELDS} {HOUSEHOLD_FIELDS} {CASE_FIELDS} {CONTRACT_FIELDS}"


@dataclass
class World:
    """The matrix database: who is who, and what each role may see."""

    url: str
    tokens: dict[str, str]
    visible: dict[str, dict[str, set[str]]]  # role → table → ids
    samples: dict[str, list[str]]  # table → ids to probe (in and out of every scope)


def gid(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def decode_gid(value: str) -> tuple[str, str] | None:
    try:
        type_name, _, key = base64.b64decode(value, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (type_name, key) if type_name in TABLE_OF else None


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(server_url: str, template_db: str) -> AsyncIterator[World]:
    url = await create_database(server_url, template=template_db)
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as conn:
        users = {
            row.username: row
            for row in await conn.execute(
                text("SELECT id, username, organization_id FROM users WHERE username LIKE 'demo-%'")
            )
        }
        # Cases outside the demo township referred to the county bureau (accepted) and to
        # legal aid (one sent, one declined: the second is none of legal aid's business).
        beyond_township = (
            await conn.scalars(
                text(
                    "SELECT id FROM cases WHERE area_code LIKE :county || '%' "
                    "AND area_code NOT LIKE :township || '%' ORDER BY id LIMIT 3"
                ),
                {"county": DEMO_COUNTY, "township": DEMO_TOWNSHIP},
            )
        ).all()
        for case_id, receiver, status in (
            (beyond_township[0], "demo-county", "accepted"),
            (beyond_township[1], "demo-legalaid", "sent"),
            (beyond_township[2], "demo-legalaid", "declined"),
        ):
            await conn.execute(
                text(
                    "INSERT INTO case_referrals (id, case_id, area_code, organization_id, "
                    "status, referred_at) SELECT gen_random_uuid(), id, area_code, :org, "
                    "CAST(:status AS varchar), now() FROM cases WHERE id = :case"
                ),
                {"org": users[receiver].organization_id, "status": status, "case": case_id},
            )
        # The NGO's service visits to the children of both its contracts (only those of the
        # contract in force are its to see), and another county's contract with another NGO.
        ngo = users["demo-ngo"]
        await conn.execute(
            text(
                "INSERT INTO visits (id, child_id, area_code, visitor_id, organization_id, "
                "visited_at, kind, living_conditions, guardianship, schooling, health, "
                "mental_state) SELECT gen_random_uuid(), a.child_id, a.area_code, :user, :org, "
                f"{TODAY_SQL} - 1 + time '10:00', 'ngo_service', "
                "'good', 'good', 'good', 'good', 'good' "
                "FROM ngo_contract_children a JOIN ngo_contracts c ON c.id = a.contract_id "
                "WHERE c.ngo_id = :org"
            ),
            {"user": ngo.id, "org": ngo.organization_id},
        )
        await conn.execute(
            text(
                "WITH other AS (INSERT INTO organizations (id, kind, name, area_code) "
                "VALUES (gen_random_uuid(), 'ngo', '华容区社工服务中心', '420703') RETURNING id) "
                "INSERT INTO ngo_contracts (id, ngo_id, area_code, area_scope, service_types, "
                "title, starts_on, ends_on) SELECT gen_random_uuid(), other.id, '420703', "
                "ARRAY['420703']::varchar[], ARRAY['counselling']::varchar[], '华容区项目', "
                f"{TODAY_SQL} - 10, {TODAY_SQL} + 10 FROM other"
            )
        )
        # Requested moves: within the demo township, out of it to another county, and
        # between two villages of other counties.
        await conn.execute(
            text(
                "INSERT INTO child_move_requests (id, child_id, area_code, to_area_code, "
                "child_name, child_birth_date, requested_at) SELECT gen_random_uuid(), c.id, "
                f"c.area_code, t.to_area, c.name, c.birth_date, {TODAY_SQL} + time '09:00' "
                "FROM (VALUES (:village, :village2), (:village2, :huarong), "
                "(:huarong, :echeng)) AS t(from_area, to_area) "
                "JOIN LATERAL (SELECT * FROM children WHERE area_code = t.from_area "
                "ORDER BY id LIMIT 1) c ON true"
            ),
            {
                "village": DEMO_VILLAGE,
                "village2": DEMO_VILLAGE2,
                "huarong": await conn.scalar(
                    text("SELECT min(code) FROM areas WHERE level = 'village' "
                         "AND code LIKE '420703%'")
                ),
                "echeng": await conn.scalar(
                    text("SELECT min(code) FROM areas WHERE level = 'village' "
                         "AND code LIKE '420704%'")
                ),
            },
        )  # fmt: skip
        # Tasks of several roles in both demo villages and in another county.
        await conn.execute(
            text(
                "INSERT INTO tasks (id, area_code, kind, subject_type, subject_id, child_id, "
                "reason, priority, assignee_role) SELECT gen_random_uuid(), c.area_code, "
                "t.kind, 'child', c.id, c.id, '核查', 'normal', t.role "
                "FROM (VALUES (:village, 'village_director', 'find_guardian'), "
                "(:village, 'township_supervisor', 'respond_to_report'), "
                "(:village2, 'village_director', 'find_guardian'), "
                "(:village2, 'county_civil_affairs', 'respond_to_report'), "
                "(:huarong, 'village_director', 'find_guardian'), "
                "(:huarong, 'county_civil_affairs', 'respond_to_report')) AS t(area, role, kind) "
                "JOIN LATERAL (SELECT * FROM children WHERE area_code = t.area "
                "ORDER BY id LIMIT 1) c ON true"
            ),
            {
                "village": DEMO_VILLAGE,
                "village2": DEMO_VILLAGE2,
                "huarong": await conn.scalar(
                    text("SELECT min(code) FROM areas WHERE level = 'village' "
                         "AND code LIKE '420703%'")
                ),
            },
        )  # fmt: skip
        # A webhook subscriber of the demo county and one of another county.
        await conn.execute(
            text(
                "INSERT INTO webhook_subscribers (id, area_code, name, url, secret_enc) "
                "VALUES (gen_random_uuid(), :county, '12355', 'https://a.example', '\\x00'), "
                "(gen_random_uuid(), '420703', '12355', 'https://b.example', '\\x00')"
            ),
            {"county": DEMO_COUNTY},
        )
        visible: dict[str, dict[str, set[str]]] = {}
        for role in ROLES:
            visible[role] = {}
            for table, conditions in ORACLE.items():
                condition = conditions.get(role)
                ids: set[str] = set()
                if condition:
                    rows = await conn.scalars(
                        text(f"SELECT id::text FROM {table} WHERE {condition}"),
                        {
                            "village": DEMO_VILLAGE,
                            "village2": DEMO_VILLAGE2,
                            "township": DEMO_TOWNSHIP,
                            "county": DEMO_COUNTY,
                            "org": users[role].organization_id,
                        },
                    )
                    ids = set(rows.all())
                visible[role][table] = ids
        samples: dict[str, list[str]] = {}
        for table in ORACLE:
            # Some of every role's objects, and objects of nobody in the demo township.
            chosen: set[str] = set()
            for role in ROLES:
                chosen |= set(sorted(visible[role][table])[:3])
            outside = await conn.scalars(
                text(f"SELECT id::text FROM {table} WHERE area_code NOT LIKE :t || '%' LIMIT 3"),
                {"t": DEMO_TOWNSHIP},
            )
            samples[table] = sorted(chosen | set(outside.all()))
    settings = Settings.model_validate({"DATABASE_URL": url})
    tokens = {name: issue_access_token(row.id, settings)[0] for name, row in users.items()}
    await engine.dispose()
    yield World(url=url, tokens=tokens, visible=visible, samples=samples)
    await drop_database(server_url, url)


# The matrix asks for every list at once, far over the cost limits of production
# (tests/api/test_query_cost.py): what it checks is scope, so the limits are lifted.
NO_COST_LIMITS: dict[str, object] = {"query_cost_limit": 10**7, "query_cost_limit_graphiql": 10**7}


@pytest_asyncio.fixture(
    scope="module", loop_scope="session", params=["as the app role", "with RLS bypassed"]
)
async def client(world: World, request: pytest.FixtureRequest) -> AsyncIterator[AsyncClient]:
    """The service as deployed, and once more connected as the tables' owner: row-level
    security does not apply to the owner, so the second run checks the application's own
    filtering alone. The app's documents are answered by the compiled read path here
    (schema/compiler); `field_by_field` is the other path."""
    overrides = dict(NO_COST_LIMITS)
    if request.param == "with RLS bypassed":
        overrides["app_db_user"] = make_url(world.url).username
    async for c in service_client(world.url, **overrides):
        yield c


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def field_by_field(world: World) -> AsyncIterator[AsyncClient]:
    """The service with the compiled read path off: the app's documents field by field."""
    async for c in service_client(world.url, compiled_reads=False, **NO_COST_LIMITS):
        yield c


def answered(response: Response) -> str:
    """The text of an answer, which is never a failure of the service itself."""
    assert response.status_code == 200, response.text
    assert "Internal" not in response.text
    return response.text


def leaked(world: World, role: str, body: str) -> list[str]:
    """Ids in a response that the role may not see."""
    found = []
    for value in ID_PATTERN.findall(body):
        decoded = decode_gid(value)
        if decoded is None:
            continue
        type_name, key = decoded
        if key not in world.visible[role][TABLE_OF[type_name]]:
            found.append(f"{type_name}:{key}")
    return found


APP_DOCUMENTS = {
    name: (OPERATIONS / f"{name}.graphql").read_text()
    for name in (
        "Caseload",
        "ChildDetail",
        "DueVisits",
        "SyncPull",
        "MyTasks",
        "ReferralInbox",
        "MoveRequests",
        "CaseDetail",
    )
}


def probes(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, query, variables) of every shape a caller might try."""
    shapes: list[tuple[str, str, dict[str, Any]]] = []
    type_of = {name: type_name for type_name, name in TABLE_OF.items()}
    for table, ids in world.samples.items():
        type_name = type_of[table]
        for key in ids:
            node_id = gid(type_name, key)
            shapes.append((
                f"node {type_name}",
                f"query($id: ID!) {{ node(id: $id) {{ id ...ChildFields ...HouseholdFields "
                f"...CaseFields ...ContractFields }} }} {FRAGMENTS}",
                {"id": node_id},
            ))  # fmt: skip
            shapes.append((
                f"aliased node {type_name}",
                "query($id: ID!) { a: node(id: $id) { id } b: node(id: $id) "
                "{ ... on Child { id name household { id children { id } } } "
                "... on Household { children { id household { id } } } "
                "... on Case { child { id household { children { id } } } } } }",
                {"id": node_id},
            ))  # fmt: skip
            if type_name in ("Case", "Child"):  # the app's case by `node`; a child's id too
                shapes.append(
                    ("CaseDetail (the app's)", APP_DOCUMENTS["CaseDetail"], {"id": node_id})
                )
            if type_name == "NgoContract":
                shapes.append((
                    "ngoContract",
                    f"query($id: ID!) {{ ngoContract(id: $id) {{ ...ContractFields }} }} "
                    f"{CHILD_FIELDS} {CONTRACT_FIELDS}",
                    {"id": node_id},
                ))  # fmt: skip
            if type_name == "Child":
                shapes.append(
                    ("ChildDetail (the app's)", APP_DOCUMENTS["ChildDetail"], {"id": node_id})
                )
                shapes.append((
                    "child",
                    f"query($id: ID!) {{ child(id: $id) {{ ...ChildFields }} }} {CHILD_FIELDS}",
                    {"id": node_id},
                ))  # fmt: skip
                # Who read the child's file: the child itself only for those who see it.
                shapes.append((
                    "auditEvents",
                    f"query($id: ID!) {{ auditEvents(childId: $id, first: 100) {{ totalCount "
                    f"edges {{ node {{ areaCode actorLabel child {{ ...ChildFields }} }} }} }} }} "
                    f"{CHILD_FIELDS}",
                    {"id": node_id},
                ))  # fmt: skip
                # A child id presented as another type's id must not find it either.
                shapes.append((
                    "node with a forged type",
                    "query($id: ID!) { node(id: $id) { id ... on Household { children { id } } } }",
                    {"id": gid("Household", key)},
                ))  # fmt: skip
    shapes.append((
        "lists",
        f"{{ children(first: 100) {{ totalCount edges {{ node {{ ...ChildFields }} }} }} "
        f"cases(first: 100) {{ totalCount edges {{ node {{ ...CaseFields }} }} }} "
        f"areas {{ edges {{ node {{ id }} }} }} me {{ username role }} "
        f"households(first: 100) {{ totalCount edges {{ node {{ id children {{ id }} }} }} }} "
        f"visits(first: 100) {{ totalCount edges {{ node {{ id }} }} }} "
        f"syncPull(first: 1000) {{ children {{ id }} households {{ id }} visits {{ id }} "
        f"cases {{ id }} tasks {{ id childId subjectId }} removals {{ id }} }} "
        f"myTasks(first: 100) {{ totalCount edges {{ node {{ id childId subjectId }} }} }} "
        f"studentFollowUps(first: 100) {{ totalCount edges {{ node {{ student {{ id }} }} }} }} "
        f"ngoContracts(first: 100) {{ totalCount edges {{ node {{ ...ContractFields }} }} }} "
        f"ngoOrganizations(first: 100) {{ totalCount edges {{ node {{ id name }} }} }} "
        f"organizations(first: 100) {{ totalCount edges {{ node {{ id name }} }} }} "
        f"referrals(first: 100) {{ totalCount edges {{ node {{ id status "
        f"case {{ ...CaseFields }} }} }} }} "
        f"duplicateReports(first: 100) {{ totalCount edges {{ node {{ areaCode "
        f"existingChild {{ ...ChildFields }} }} }} }} "
        f"childMoveRequests(first: 100) {{ totalCount edges {{ node {{ id childName "
        f"child {{ ...ChildFields }} }} }} }} }} "
        f"{CHILD_FIELDS} {CASE_FIELDS} {CONTRACT_FIELDS}",
        {},
    ))  # fmt: skip
    # The app's lists as the app sends them (the compiled read path answers them).
    shapes.append(("Caseload (the app's)", APP_DOCUMENTS["Caseload"], {"first": 100}))
    shapes.append(
        ("DueVisits (the app's)", APP_DOCUMENTS["DueVisits"], {"withinDays": 366, "first": 100})
    )
    shapes.append(("SyncPull (the app's)", APP_DOCUMENTS["SyncPull"], {"first": 1000}))
    for name in ("MyTasks", "ReferralInbox", "MoveRequests"):
        shapes.append((f"{name} (the app's)", APP_DOCUMENTS[name], {"first": 100}))
    # Refused (FORBIDDEN_FILTER) to those who may not see visit dates: a probe of its own.
    shapes.append((
        "due visits",
        "{ dueVisits(withinDays: 366, first: 100) { totalCount edges { node { id } } } }",
        {},
    ))  # fmt: skip
    return shapes


def refused_filter(body: str) -> bool:
    """The answer is only the refusal of a filter on a field the caller may not see."""
    errors = json.loads(body).get("errors") or []
    return bool(errors) and all(
        e.get("extensions", {}).get("code") == "FORBIDDEN_FILTER" for e in errors
    )


def test_every_root_field_is_probed() -> None:
    sdl = build_schema(schema.as_str())
    assert sdl.query_type is not None and sdl.mutation_type is not None
    assert set(sdl.query_type.fields) == PROBED_QUERY_FIELDS
    assert set(sdl.mutation_type.fields) == PROBED_MUTATION_FIELDS


@pytest.mark.parametrize("role", ROLES)
async def test_no_role_sees_outside_its_scope(client: AsyncClient, world: World, role: str) -> None:
    token = world.tokens[role]
    for name, query, variables in probes(world):
        body = answered(await graphql_response(client, token, query, **variables))
        assert '"errors"' not in body or refused_filter(body), (name, body)
        assert not leaked(world, role, body), (role, name, variables)


@pytest.mark.parametrize("role", ROLES)
async def test_the_app_s_documents_field_by_field_show_nothing_outside_the_scope_either(
    field_by_field: AsyncClient, world: World, role: str
) -> None:
    token = world.tokens[role]
    app_documents = set(APP_DOCUMENTS.values())
    probed: dict[str, int] = {}
    for name, query, variables in probes(world):
        # The other probes are the same on both paths (probed above); of each app document,
        # the first ids (a sample in and one out of scope): field by field is slow.
        if query not in app_documents or probed.get(query, 0) >= 2:
            continue
        probed[query] = probed.get(query, 0) + 1
        body = answered(await graphql_response(field_by_field, token, query, **variables))
        assert '"errors"' not in body or refused_filter(body), (name, body)
        assert not leaked(world, role, body), (role, name, variables)
    assert len(probed) == len(APP_DOCUMENTS)


@pytest.mark.parametrize("role", ROLES)
async def test_move_requests_are_seen_on_both_sides(
    client: AsyncClient, world: World, role: str
) -> None:
    """Each role sees exactly the requested moves from or into its areas (none for the
    others): the receiving side too, whose child files are elsewhere."""
    body = answered(
        await graphql_response(
            client, world.tokens[role], "{ childMoveRequests(first: 100) { totalCount } }"
        )
    )
    expected = len(world.visible[role]["child_move_requests"])
    assert f'"totalCount":{expected}' in body.replace(" ", ""), (role, body)


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_sees_the_tasks_of_its_role_in_its_areas(
    client: AsyncClient, world: World, role: str
) -> None:
    """Exactly the tasks owed by the caller's role in its areas (none for the others)."""
    body = answered(
        await graphql_response(
            client, world.tokens[role], "{ myTasks(first: 100) { edges { node { id } } } }"
        )
    )
    listed = {decode_gid(e["node"]["id"]) for e in json.loads(body)["data"]["myTasks"]["edges"]}
    assert listed == {("Task", key) for key in world.visible[role]["tasks"]}, role


# Who manages which counties' webhook subscribers (`webhook manage`).
WEBHOOK_MANAGERS = {"demo-county": {DEMO_COUNTY}, "demo-admin": {DEMO_COUNTY, "420703"}}


@pytest.mark.parametrize("role", ROLES)
async def test_webhook_subscribers_are_seen_by_their_county_s_managers_only(
    client: AsyncClient, world: World, role: str
) -> None:
    """The list and `node` show the subscribers of the counties the caller manages."""
    admin = json.loads(
        answered(
            await graphql_response(
                client, world.tokens["demo-admin"],
                "{ webhookSubscribers(first: 10) { edges { node { id areaCode } } } }",
            )
        )
    )["data"]["webhookSubscribers"]["edges"]  # fmt: skip
    ids = {e["node"]["id"]: e["node"]["areaCode"] for e in admin}
    lookups = " ".join(f'n{i}: node(id: "{gid_}") {{ id }}' for i, gid_ in enumerate(ids))
    body = json.loads(
        answered(
            await graphql_response(
                client, world.tokens[role],
                "{ webhookSubscribers(first: 10) { totalCount edges { node { areaCode } } } "
                f"{lookups} }}",
            )
        )
    )  # fmt: skip
    data = body["data"]
    listed = {e["node"]["areaCode"] for e in data["webhookSubscribers"]["edges"]}
    expected = WEBHOOK_MANAGERS.get(role, set())
    assert listed == expected, role
    found = {ids[data[f"n{i}"]["id"]] for i in range(len(ids)) if data[f"n{i}"]}
    assert found == expected, role


# Whose entries of the staff register each role reads (`staff read`); the rest read their own.
STAFF_READERS = {
    "demo-township": DEMO_TOWNSHIP, "demo-county": DEMO_COUNTY, "demo-city": "4207",
    "demo-admin": "42",
}  # fmt: skip
STAFF_PROBE = "{ staff(first: 100) { totalCount edges { node { username areaCode } } } }"
# An edit at a version nobody has: VERSION_CONFLICT for a manager, and nothing is written.
STAFF_EDIT = """
mutation($id: ID!) { updateStaff(input: {staffId: $id, expectedVersion: -1, phone: "13800000000"})
  { staff { id } errors { code } } }
"""
# What each role is answered when editing the demo village's director (else NOT_FOUND).
MANAGES_THE_VILLAGE_DIRECTOR = {
    "demo-village": "FORBIDDEN", "demo-township": "VERSION_CONFLICT",
    "demo-county": "VERSION_CONFLICT", "demo-city": "FORBIDDEN", "demo-admin": "VERSION_CONFLICT",
}  # fmt: skip
# … and another county's director.
MANAGES_ANOTHER_COUNTY_S_DIRECTOR = {"demo-city": "FORBIDDEN", "demo-admin": "VERSION_CONFLICT"}


@pytest.mark.parametrize("role", ROLES)
async def test_the_staff_register_is_read_and_managed_within_its_areas(
    client: AsyncClient, world: World, role: str
) -> None:
    engine = create_engine(world.url, pool_size=1)
    try:
        async with engine.connect() as conn:
            area = STAFF_READERS.get(role)
            expected = await conn.scalar(
                text(
                    "SELECT count(*) FROM users WHERE deleted_at IS NULL AND "
                    + ("area_code LIKE :area || '%'" if area else "username = :role")
                ),
                {"area": area, "role": role},
            )
            targets = {
                "village": await conn.scalar(
                    text("SELECT id FROM users WHERE username = 'demo-village'")
                ),
                "other county": await conn.scalar(
                    text(
                        "SELECT id FROM users WHERE role = 'village_director' "
                        "AND area_code LIKE :county || '%' ORDER BY username LIMIT 1"
                    ),
                    {"county": OTHER_COUNTY},
                ),
            }
    finally:
        await engine.dispose()
    body = json.loads(answered(await graphql_response(client, world.tokens[role], STAFF_PROBE)))
    page = body["data"]["staff"]
    assert page["totalCount"] == expected, role
    for edge in page["edges"]:
        node = edge["node"]
        assert node["username"] == role or (area and node["areaCode"].startswith(area)), node
    for target, answers in (
        ("village", MANAGES_THE_VILLAGE_DIRECTOR),
        ("other county", MANAGES_ANOTHER_COUNTY_S_DIRECTOR),
    ):
        staff_id = gid("Staff", str(targets[target]))
        edited = json.loads(
            answered(await graphql_response(client, world.tokens[role], STAFF_EDIT, id=staff_id))
        )["data"]["updateStaff"]
        assert [e["code"] for e in edited["errors"]] == [answers.get(role, "NOT_FOUND")], (
            role,
            target,
        )
        found = json.loads(
            answered(
                await graphql_response(
                    client, world.tokens[role],
                    "query($id: ID!) { node(id: $id) { ... on Staff { username } } }", id=staff_id,
                )
            )
        )["data"]["node"]  # fmt: skip
        readable = answers.get(role, "NOT_FOUND") != "NOT_FOUND"
        assert (found is not None) == readable, (role, target)


# Who reads the read audit, and of which children's areas (`audit read`).
AUDIT_READERS = {"demo-county": DEMO_COUNTY, "demo-admin": "42"}


@pytest.mark.parametrize("role", ROLES)
async def test_the_read_audit_is_for_supervisors_within_their_area(
    client: AsyncClient, world: World, role: str
) -> None:
    # Reads by the village director are audited, so there is something to find.
    for key in world.samples["children"]:
        answered(
            await graphql_response(
                client,
                world.tokens["demo-village"],
                "query($id: ID!) { child(id: $id) { name } }",
                id=gid("Child", key),
            )
        )
    found = 0
    for key in world.samples["children"]:
        body = json.loads(
            answered(
                await graphql_response(
                    client,
                    world.tokens[role],
                    "query($id: ID!) { auditEvents(childId: $id, first: 100) "
                    "{ totalCount edges { node { areaCode } } } }",
                    id=gid("Child", key),
                )
            )
        )
        areas = [e["node"]["areaCode"] for e in body["data"]["auditEvents"]["edges"]]
        found += len(areas)
        assert all(a.startswith(AUDIT_READERS.get(role, "none")) for a in areas), (role, areas)
    assert (found > 0) == (role in AUDIT_READERS), role


STATISTICS_PROBE = (
    "query($area: String!) { areaStatistics(areaCode: $area) { total { areaCode children } "
    "rows(first: 100) { edges { node { areaCode areaName children leftBehind suppressed } } } "
    "trend { quarter children } } }"
)
OTHER_COUNTY = "420703"
# Who may read the statistics of which of the probed areas (statistics read patterns).
STATISTICS_READERS = {
    "demo-township": {DEMO_VILLAGE, DEMO_TOWNSHIP},
    "demo-county": {DEMO_VILLAGE, DEMO_TOWNSHIP, DEMO_COUNTY},
    "demo-city": {DEMO_VILLAGE, DEMO_TOWNSHIP, DEMO_COUNTY, OTHER_COUNTY},
}


@pytest.mark.parametrize("role", ROLES)
async def test_statistics_are_numbers_within_the_statistics_scope(
    client: AsyncClient, world: World, role: str
) -> None:
    for area in (DEMO_VILLAGE, DEMO_TOWNSHIP, DEMO_COUNTY, OTHER_COUNTY):
        body = answered(
            await graphql_response(client, world.tokens[role], STATISTICS_PROBE, area=area)
        )
        assert not [v for v in ID_PATTERN.findall(body) if decode_gid(v)], (role, area)
        if area in STATISTICS_READERS.get(role, set()):
            assert '"errors"' not in body and f'"areaCode":"{area}"' in body, (role, area, body)
        else:
            assert '"NOT_FOUND"' in body and '"data":null' in body, (role, area, body)


TASK_COUNTS_PROBE = "query($area: String!) { taskCounts(areaCode: $area) { areaCode kind open } }"
# Who may count the open tasks of which probed areas (task count patterns).
TASK_COUNTERS = STATISTICS_READERS


@pytest.mark.parametrize("role", ROLES)
async def test_task_counts_are_numbers_within_the_count_scope(
    client: AsyncClient, world: World, engine_for: EngineFactory, role: str
) -> None:
    for area in (DEMO_VILLAGE, DEMO_TOWNSHIP, DEMO_COUNTY, OTHER_COUNTY):
        body = answered(
            await graphql_response(client, world.tokens[role], TASK_COUNTS_PROBE, area=area)
        )
        if area not in TASK_COUNTERS.get(role, set()):
            assert '"NOT_FOUND"' in body and '"data":null' in body, (role, area, body)
            continue
        rows = json.loads(body)["data"]["taskCounts"]
        assert all(r["areaCode"].startswith(area) for r in rows), (role, area, rows)
        async with engine_for(world.url).connect() as conn:
            expected = await conn.scalar(
                text(
                    "SELECT count(*) FROM tasks WHERE area_code LIKE :area || '%' "
                    "AND status = 'open' AND deleted_at IS NULL"
                ),
                {"area": area},
            )
        assert expected > 0, area
        assert sum(r["open"] for r in rows) == expected, (role, area, rows)


@pytest.mark.parametrize("role", ROLES)
async def test_in_scope_objects_are_readable(client: AsyncClient, world: World, role: str) -> None:
    token = world.tokens[role]
    for table, type_name in (
        ("children", "Child"), ("cases", "Case"), ("households", "Household"),
        ("case_events", "CaseEvent"),
    ):  # fmt: skip
        for key in sorted(world.visible[role][table])[:3]:
            body = answered(
                await graphql_response(
                    client,
                    token,
                    "query($id: ID!) { node(id: $id) { id } }",
                    id=gid(type_name, key),
                )
            )
            assert gid(type_name, key) in body, (role, table, key)
    lists = answered(
        await graphql_response(
            client, token, "{ children(first: 1) { totalCount } cases(first: 1) { totalCount } }"
        )
    )
    listable = (
        0 if role in REACH_CHILDREN_ONLY_THROUGH_CASES else len(world.visible[role]["children"])
    )
    assert f'"totalCount":{listable}' in lists.replace(" ", "")
    assert f'"totalCount":{len(world.visible[role]["cases"])}' in lists.replace(" ", "")


# Who may look organizations up (`case refer`), and the area each refers in.
DIRECTORY_READERS = {"demo-township": DEMO_TOWNSHIP, "demo-county": DEMO_COUNTY,
                     "demo-centre": DEMO_COUNTY}  # fmt: skip
DIRECTORY_AND_INBOX = (
    "{ organizations(first: 100) { totalCount edges { node { areaCode kind } } } "
    "referrals(first: 100) { totalCount edges { node { status case { id } } } } }"
)


@pytest.mark.parametrize("role", ROLES)
async def test_the_directory_is_for_referrers_and_the_inbox_for_receivers(
    client: AsyncClient, world: World, role: str
) -> None:
    data = json.loads(
        answered(await graphql_response(client, world.tokens[role], DIRECTORY_AND_INBOX))
    )["data"]
    areas = [e["node"]["areaCode"] for e in data["organizations"]["edges"]]
    area = DIRECTORY_READERS.get(role)
    if area is None:
        assert data["organizations"]["totalCount"] == 0, role
    else:
        # In the caller's area or in an area containing it, and nothing of the system's.
        assert areas and all(a.startswith(area) or area.startswith(a) for a in areas), areas
        assert "SYSTEM" not in {e["node"]["kind"] for e in data["organizations"]["edges"]}
    # A receiver's inbox: the cases it sees are those of its referrals; one it declined
    # stays listed, without its case.
    inbox = [e["node"] for e in data["referrals"]["edges"]]
    expected = {gid("Case", key) for key in world.visible[role]["cases"]}
    assert {r["case"]["id"] for r in inbox if r["case"]} == (
        expected if role in RECEIVERS else set()
    ), role
    assert all(r["case"] is None for r in inbox if r["status"] == "DECLINED")
    assert ("DECLINED" in {r["status"] for r in inbox}) == (role == "demo-legalaid")


async def test_anonymous_may_only_log_in(client: AsyncClient, world: World) -> None:
    for _name, query, variables in probes(world)[:10] + probes(world)[-2:]:
        body = answered(await graphql_response(client, None, query, **variables))
        assert "UNAUTHENTICATED" in body
        assert not [v for v in ID_PATTERN.findall(body) if decode_gid(v)]
    login = answered(
        await graphql_response(
            client,
            None,
            'mutation { login(input: {username: "demo-village", password: "shouhu-demo"}) '
            "{ accessToken errors { code } } }",
        )
    )
    assert '"accessToken":"' in login.replace(" ", "")


async def test_refused_token_says_why(client: AsyncClient) -> None:
    body = answered(
        await graphql_response(client, "not-a-token", "{ children(first: 1) { totalCount } }")
    )
    assert "TOKEN_INVALID" in body


def _id_numbers(body: str) -> list[str | None]:
    return re.findall(r'"idNumber":\s*(?:"([^"]*)"|null)', body)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("demo-village", "full"),
        ("demo-township", "full"),
        ("demo-centre", "masked"),
        ("demo-police", "masked"),
        ("demo-ngo", "absent"),
        ("demo-school", "absent"),
    ],
)
async def test_id_numbers_full_masked_or_absent(
    client: AsyncClient, world: World, role: str, expected: str
) -> None:
    body = answered(
        await graphql_response(
            client,
            world.tokens[role],
            "{ children(first: 100) { edges { node { idNumber } } } "
            "cases(first: 100) { edges { node { child { idNumber } } } } }",
        )
    )
    values = [v for v in _id_numbers(body) if v]
    if expected == "absent":
        assert values == []
        assert '"idNumber":null' in body.replace(" ", "")
        return
    assert values
    masked = [bool(re.fullmatch(r"\d{6}\*{8}[\dX]{4}", v)) for v in values]
    assert all(masked) if expected == "masked" else not any(masked)


async def test_reading_full_id_numbers_is_audited(
    client: AsyncClient, world: World, engine_for: EngineFactory
) -> None:
    child = sorted(world.visible["demo-village"]["children"])[0]
    answered(
        await graphql_response(
            client,
            world.tokens["demo-village"],
            "query Detail($id: ID!) { child(id: $id) { idNumber } }",
            id=gid("Child", child),
        )
    )
    async with engine_for(world.url).connect() as conn:
        event = (
            await conn.execute(
                text(
                    "SELECT actor_label, operation_name, query_text, record_ids FROM audit_events "
                    "WHERE :record = ANY(record_ids) ORDER BY id DESC LIMIT 1"
                ),
                {"record": f"Child:{child}"},
            )
        ).one()
    assert event.actor_label == "user:demo-village"
    assert event.operation_name == "Detail"
    assert "idNumber" in event.query_text
    assert uuid.UUID(child)


# Who is shown a case's reporter (`reporter read`), and a member of the public who reported
# (`public_reporter read`); every other role sees none, even of a case it sees.
REPORTER_READERS = {
    "demo-village", "demo-village2", "demo-township", "demo-centre", "demo-police", "demo-county",
}  # fmt: skip
PUBLIC_REPORTER_READERS = {"demo-county", "demo-police"}


@pytest.mark.parametrize("role", ROLES)
async def test_reporters_are_shown_to_those_whose_duty_needs_them(
    client: AsyncClient, world: World, role: str, engine_for: EngineFactory
) -> None:
    async with engine_for(world.url).connect() as conn:
        # A member of the public: a report from the public or the hotline, or by a person
        # who is neither staff nor a unit.
        protected = set(
            await conn.scalars(
                text(
                    "SELECT id::text FROM cases WHERE source IN ('public', 'hotline') "
                    "OR (reporter_id IS NULL AND reporter_organization_id IS NULL)"
                )
            )
        )
    body = json.loads(
        answered(
            await graphql_response(
                client,
                world.tokens[role],
                "{ cases(first: 100) { edges { node { id reporter { protected } } } } }",
            )
        )
    )
    cases = {
        base64.b64decode(edge["node"]["id"]).decode().partition(":")[2]: edge["node"]["reporter"]
        for edge in body["data"]["cases"]["edges"]
    }
    shown = {key for key, reporter in cases.items() if reporter is not None}
    if role not in REPORTER_READERS:
        assert shown == set(), role
        return
    hidden = set() if role in PUBLIC_REPORTER_READERS else protected
    assert shown == set(cases) - hidden, role
    assert all(cases[key]["protected"] == (key in protected) for key in shown)


# Who may take in a report about a child not on file (`case intake`), and who learns a
# case's status by its number: the reporting unit, and nobody else.
INTAKERS = {"demo-township", "demo-county", "demo-centre", "demo-police"}
INTAKE_PROBE = """
mutation($input: ReportIntakeInput!) {
  reportIntake(input: $input) { caseNumber case { id } errors { code } }
}
"""
STATUS_PROBE = "query($n: String!) { caseStatus(caseNumber: $n) { caseNumber open } }"


async def test_only_intakers_open_provisional_files_and_only_the_reporter_asks_the_status(
    client: AsyncClient, world: World, engine_for: EngineFactory
) -> None:
    numbers: dict[str, str] = {}
    try:
        await _intake_and_ask(client, world, numbers)
    finally:
        # The world is the module's: what this test made goes, so the oracle stays true.
        async with engine_for(world.url).begin() as conn:
            for statement in _UNDO_INTAKE:
                await conn.execute(text(statement), {"numbers": list(numbers.values())})


_MADE = "SELECT id FROM cases WHERE case_number = ANY(:numbers)"
_UNDO_INTAKE = (
    f"DELETE FROM case_events WHERE case_id IN ({_MADE})",
    "CREATE TEMP TABLE undone ON COMMIT DROP AS SELECT c.child_id, k.household_id "
    "FROM cases c JOIN children k ON k.id = c.child_id WHERE c.case_number = ANY(:numbers)",
    "DELETE FROM cases WHERE case_number = ANY(:numbers)",
    "DELETE FROM children WHERE id IN (SELECT child_id FROM undone)",
    "DELETE FROM households WHERE id IN (SELECT household_id FROM undone)",
)


async def _intake_and_ask(client: AsyncClient, world: World, numbers: dict[str, str]) -> None:
    for role in ROLES:
        fields = {
            "category": "OTHER", "description": "热线来电。", "source": "HOTLINE",
            "child": {"name": "探针", "gender": "MALE", "approximateAge": 9,
                      "villageCode": DEMO_VILLAGE},
        }  # fmt: skip
        body = json.loads(
            answered(await graphql_response(client, world.tokens[role], INTAKE_PROBE, input=fields))
        )
        payload = body["data"]["reportIntake"]
        if role in INTAKERS:
            assert payload["errors"] == [] and payload["caseNumber"], (role, payload)
            numbers[role] = payload["caseNumber"]
        else:
            assert payload["caseNumber"] is None and payload["errors"], (role, payload)
    for role in ROLES:
        for reporter, number in numbers.items():
            body = json.loads(
                answered(await graphql_response(client, world.tokens[role], STATUS_PROBE, n=number))
            )
            status = body["data"]["caseStatus"]
            assert (status is not None) == (role == reporter), (role, reporter, status)


TEACHER_PROBE = (
    "{ children(first: 100) { edges { node { id schoolId teacherInCharge { name phone } } } } }"
)
# Who sees a pupil's school and teacher in charge: every view but an NGO's (authz/fields.py).
TEACHER_HIDDEN_FROM = {"demo-ngo"}


@pytest.mark.parametrize("role", ROLES)
async def test_the_school_and_teacher_in_charge_follow_the_field_table(
    client: AsyncClient, world: World, engine_for: EngineFactory, role: str
) -> None:
    async with engine_for(world.url).begin() as conn:
        await conn.execute(
            text(
                "UPDATE children SET teacher_in_charge_name = '王老师', "
                "teacher_in_charge_phone = '13907110001' "
                "WHERE school_id IS NOT NULL AND teacher_in_charge_name IS NULL"
            )
        )
        rows = await conn.execute(text("SELECT id::text, school_id::text FROM children"))
        schools: dict[str, str | None] = {child: school for child, school in rows}
    body = answered(await graphql_response(client, world.tokens[role], TEACHER_PROBE))
    nodes = [edge["node"] for edge in json.loads(body)["data"]["children"]["edges"]]
    assert not leaked(world, role, body), role
    if role in {"demo-village", "demo-school", "demo-ngo"}:
        assert any(schools[key_of(n["id"])] for n in nodes), role
    for node in nodes:
        school = None if role in TEACHER_HIDDEN_FROM else schools[key_of(node["id"])]
        teacher = {"name": "王老师", "phone": "13907110001"} if school else None
        assert (node["schoolId"], node["teacherInCharge"]) == (school, teacher), (role, node)


def key_of(global_id: str) -> str:
    found = decode_gid(global_id)
    assert found is not None
    return found[1]


SCHOOL_RATES_PROBE = (
    "query($area: String!) { schoolRates(areaCode: $area) { areaCode "
    "schools { organizationId pupils } totals { level pupils } } }"
)
# Who reads which county's school rates: the county each of its schools, a school its own,
# the city the totals only.
SCHOOL_RATES_READERS = {
    "demo-county": {DEMO_COUNTY},
    "demo-school": {DEMO_COUNTY},
    "demo-city": {DEMO_COUNTY, OTHER_COUNTY},
}


@pytest.mark.parametrize("role", ROLES)
async def test_school_rates_are_for_the_county_the_school_itself_and_statistics_readers(
    client: AsyncClient, world: World, engine_for: EngineFactory, role: str
) -> None:
    for area in (DEMO_COUNTY, OTHER_COUNTY):
        body = answered(
            await graphql_response(client, world.tokens[role], SCHOOL_RATES_PROBE, area=area)
        )
        if area not in SCHOOL_RATES_READERS.get(role, set()):
            assert '"NOT_FOUND"' in body and '"data":null' in body, (role, area, body)
            continue
        data = json.loads(body)["data"]["schoolRates"]
        async with engine_for(world.url).connect() as conn:
            schools = set(
                await conn.scalars(
                    text(
                        "SELECT id::text FROM organizations WHERE kind = 'school' "
                        "AND area_code LIKE :area || '%'"
                    ),
                    {"area": area},
                )
            )
            own = await conn.scalar(
                text("SELECT organization_id::text FROM users WHERE username = :u"), {"u": role}
            )
        shown = {row["organizationId"] for row in data["schools"]}
        expected = {"demo-county": schools, "demo-school": {own}}.get(role, set())
        assert shown == expected and expected <= schools, (role, area)
        assert bool(data["totals"]) == (role != "demo-school"), (role, area)
