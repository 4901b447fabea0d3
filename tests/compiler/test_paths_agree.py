"""The compiled read path (schema/compiler) answers exactly as strawberry does: every compiled
operation of the mobile manifest, as every demo role, with generated variables (filters,
page sizes, cursors, ids; valid and not), gives the same JSON on both paths, and writes the
same audit trail."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from httpx import AsyncClient
from sqlalchemy import text

from app.seed.demo import DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_USERS, DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import EngineFactory, access_token, service_client
from tests.graphql import counting_statements, gid, graphql_body, mutation_payload
from tests.world import World

OPERATIONS = Path(__file__).parents[2] / "mobile_contract" / "operations"
CASELOAD = (OPERATIONS / "Caseload.graphql").read_text()
DUE_VISITS = (OPERATIONS / "DueVisits.graphql").read_text()
CHILD_DETAIL = (OPERATIONS / "ChildDetail.graphql").read_text()
SYNC_PULL = (OPERATIONS / "SyncPull.graphql").read_text()
MY_TASKS = (OPERATIONS / "MyTasks.graphql").read_text()
CASE_DETAIL = (OPERATIONS / "CaseDetail.graphql").read_text()
CASES_LIST = "{ cases(first: 30) { edges { node { id } } } }"
REFERRAL_INBOX = (OPERATIONS / "ReferralInbox.graphql").read_text()
MOVE_REQUESTS = (OPERATIONS / "MoveRequests.graphql").read_text()
REQUEST_MOVE = (OPERATIONS / "RequestChildMove.graphql").read_text()
ACCEPT_REFERRAL = (OPERATIONS / "AcceptReferral.graphql").read_text()
# A case's steps up to a referral (tests/cases/test_referrals.py does the same).
STEP = """
mutation($input: %s!) {
  %s(input: $input) { case { id version } errors { code field } }
}
"""
# Generated cases per role and operation; the seed makes every run the same.
CASES = 6
SEED = 17


@pytest_asyncio.fixture(loop_scope="session")
async def paths(demo_db: str) -> AsyncIterator[tuple[AsyncClient, AsyncClient]]:
    """The service field by field, and with the compiled read path (the default)."""
    async for plain in service_client(demo_db, compiled_reads=False):
        async for compiled in service_client(demo_db):
            yield plain, compiled


def child_filter(rng: random.Random) -> dict[str, Any]:
    """Some filters of a caseload, each set or not (ages may be out of range)."""
    choices: dict[str, list[Any]] = {
        "areaCode": ["42", DEMO_COUNTY, DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2, "9"],
        "category": ["LEFT_BEHIND", "DIFFICULTY_ECONOMIC", "SCATTERED_ORPHAN"],
        "keyChild": [True, False],
        "livingAlone": [True, False],
        "withoutConfirmedGuardian": [True, False],
        "visitOverdue": [True, False],
        "name": ["王", "李", "小", "%", "_"],
        "minAge": [0, 3, 10, 17, 19],
        "maxAge": [0, 6, 12, 17, -1],
    }
    return {key: rng.choice(values) for key, values in choices.items() if rng.random() < 0.3}


async def agree(
    paths: tuple[AsyncClient, AsyncClient], token: str, document: str, **variables: Any
) -> dict[str, Any]:
    """Both paths' answers, which must be equal; the strawberry path's."""
    plain, compiled = paths
    expected = await graphql_body(plain, token, document, **variables)
    answered = await graphql_body(compiled, token, document, **variables)
    assert _round_free(answered) == _round_free(expected), (variables, _diff(expected, answered))
    return expected


def _round_free(body: dict[str, Any]) -> dict[str, Any]:
    """An answer with a sync cursor's round end left out: where a round ends is the oldest
    transaction running when it starts, a moment that differs between two requests."""
    page = (body.get("data") or {}).get("syncPull")
    if not page or "cursor" not in page:
        return body
    cursor = json.loads(base64.urlsafe_b64decode(page["cursor"]))
    cursor.pop("hi" if page.get("hasMore") else "lo")
    return {**body, "data": {"syncPull": {**page, "cursor": cursor}}}


@pytest.mark.parametrize("role", [user.username for user in DEMO_USERS])
async def test_both_paths_answer_the_same(
    paths: tuple[AsyncClient, AsyncClient], demo_db: str, role: str
) -> None:
    token = await access_token(demo_db, role)
    rng = random.Random(f"{SEED}:{role}")
    seen: list[str] = []
    for _ in range(CASES):
        first = rng.choice([1, 2, 5, 50, 100, 0, 101])
        body = await agree(paths, token, CASELOAD, filter=child_filter(rng), first=first)
        page = (body.get("data") or {}).get("children")
        if page and page["pageInfo"]["endCursor"]:
            seen += [edge["node"]["id"] for edge in page["edges"]]
            after = rng.choice([page["pageInfo"]["endCursor"], "bm90IGEgY3Vyc29y"])
            await agree(paths, token, CASELOAD, first=first, after=after)
        within = rng.choice([0, 7, 30, 366, 400, -1])
        body = await agree(paths, token, DUE_VISITS, withinDays=within, first=first)
        page = (body.get("data") or {}).get("dueVisits")
        if page and page["pageInfo"]["endCursor"]:
            after = page["pageInfo"]["endCursor"]
            await agree(paths, token, DUE_VISITS, withinDays=within, first=first, after=after)
    village = await access_token(demo_db, "demo-village")
    async for client in service_client(demo_db, compiled_reads=False):
        body = await graphql_body(client, village, CASELOAD, first=20)
        seen += [edge["node"]["id"] for edge in body["data"]["children"]["edges"]]
    others = [
        gid("Household", "00000000-0000-0000-0000-000000000000"),
        gid("Child", "not-a-uuid"),
        "not a global id",
    ]
    for child_id in [*rng.sample(seen, min(len(seen), CASES)), *others]:
        await agree(paths, token, CHILD_DETAIL, id=child_id)
    # A case by `node`; and ids of other types (a child's: an empty object, its file shown),
    # of nothing, malformed.
    township = await access_token(demo_db, "demo-township")
    body = await graphql_body(paths[0], township, CASES_LIST)
    cases = [edge["node"]["id"] for edge in body["data"]["cases"]["edges"]]
    assert cases
    nodes = [
        gid("Case", "00000000-0000-0000-0000-000000000000"),
        gid("Case", "not-a-uuid"),
        gid("Nope", "00000000-0000-0000-0000-000000000000"),
        *rng.sample(seen, 1),
        *others,
    ]
    for node_id in [*rng.sample(cases, min(len(cases), CASES)), *nodes]:
        await agree(paths, token, CASE_DETAIL, id=node_id)


async def agree_on_pages(
    paths: tuple[AsyncClient, AsyncClient],
    token: str,
    document: str,
    rng: random.Random,
    **variables: Any,
) -> None:
    """Both paths agree on a page of a list and on the pages after it (its end cursor, a
    cursor of another list, a bad one)."""
    body = await agree(paths, token, document, **variables)
    page = next(iter((body.get("data") or {}).values()), None)
    for _ in range(3):
        if not page or not page["pageInfo"]["endCursor"]:
            return
        after = rng.choice([page["pageInfo"]["endCursor"], "bm90IGEgY3Vyc29y", "azp4fHk="])
        body = await agree(paths, token, document, **{**variables, "after": after})
        page = next(iter((body.get("data") or {}).values()), None)


@pytest.mark.parametrize("role", [user.username for user in DEMO_USERS])
async def test_both_paths_list_the_same_work(
    paths: tuple[AsyncClient, AsyncClient], demo_db: str, role: str
) -> None:
    """The app's lists of tasks, as every role, with filters and page sizes."""
    token = await access_token(demo_db, role)
    rng = random.Random(f"{SEED}:work:{role}")
    statuses = [None, None, "OPEN", "DONE", "DISMISSED", "CLOSED"]
    kinds = [None, None, "CONTACT_PARENTS", "CONFIRM_GUARDIAN", "VISIT_OVERDUE", "CASE_OVERDUE",
             "RESPOND_TO_REPORT", "NOPE"]  # fmt: skip
    # Only the count, of a list that may be empty: a page all the same.
    for document in (
        "{ childMoveRequests(first: 5) { totalCount } }",
        "{ myTasks(kind: DROPOUT_NOT_RETURNED) { totalCount } }",
    ):
        body = await agree(paths, token, document)
        assert next(iter(body["data"].values())) is not None
    for _ in range(CASES):
        first = rng.choice([1, 2, 5, 50, 100, None, 0, 101])
        await agree_on_pages(
            paths, token, MY_TASKS, rng,
            status=rng.choice(statuses), kind=rng.choice(kinds), first=first,
        )  # fmt: skip


async def last_read_event(demo_db: str, engine_for: EngineFactory) -> tuple[Any, ...]:
    """How many audit events there are, and what the newest of a read noted: its records
    and the files it showed."""
    async with engine_for(demo_db).connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM audit_events"))
        event = (
            await conn.execute(
                text("SELECT id, record_ids, operation_name FROM audit_events "
                     "WHERE action = 'read' ORDER BY occurred_at DESC, id DESC LIMIT 1")
            )
        ).one()  # fmt: skip
        reads = (
            await conn.execute(
                text("SELECT child_id, area_code, id_number FROM audit_reads "
                     "WHERE event_id = :e ORDER BY child_id"), {"e": event.id}
            )
        ).all()  # fmt: skip
    return count, sorted(event.record_ids), event.operation_name, reads


@pytest.mark.parametrize("role", ["demo-village", "demo-township", "demo-police"])
async def test_both_paths_write_the_same_audit_trail(
    paths: tuple[AsyncClient, AsyncClient], demo_db: str, engine_for: EngineFactory, role: str
) -> None:
    token = await access_token(demo_db, role)
    village = await access_token(demo_db, "demo-village")
    body = await graphql_body(paths[0], village, CASELOAD, first=3)
    child_id = body["data"]["children"]["edges"][0]["node"]["id"]
    # The village's own case: the township's first may be another village's, on some days.
    body = await graphql_body(paths[0], village, CASES_LIST)
    case_id = body["data"]["cases"]["edges"][0]["node"]["id"]
    for document, variables in [
        (CHILD_DETAIL, {"id": child_id}),
        (CASELOAD, {"first": 4}),
        (CASE_DETAIL, {"id": case_id}),
        (CASE_DETAIL, {"id": child_id}),
    ]:
        noted = []
        for client in paths:
            before = (await last_read_event(demo_db, engine_for))[0]
            await graphql_body(client, token, document, **variables)
            count, *event = await last_read_event(demo_db, engine_for)
            noted.append((count - before, event))
        assert noted[0] == noted[1]
        if role == "demo-village":  # the village's own files, ID numbers in full
            assert noted[0][0] == 1 and noted[0][1][2]


@pytest.mark.parametrize("role", [user.username for user in DEMO_USERS])
async def test_both_paths_pull_the_same_pages(
    paths: tuple[AsyncClient, AsyncClient], demo_db: str, role: str
) -> None:
    token = await access_token(demo_db, role)
    rng = random.Random(f"{SEED}:sync:{role}")
    since = None
    for _ in range(CASES // 2):
        first = rng.choice([1, 3, 20, 300, 0, 1001])
        body = await agree(paths, token, SYNC_PULL, since=since, first=first)
        page = (body.get("data") or {}).get("syncPull")
        if page:
            since = page["cursor"] if page["hasMore"] else since
    await agree(paths, token, SYNC_PULL, since="bm90IGEgY3Vyc29y", first=10)


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in set(a) | set(b):
            out += _diff(a.get(k, "<missing>"), b.get(k, "<missing>"), f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += _diff(x, y, f"{path}[{i}]")
        return out
    if isinstance(a, list) and isinstance(b, list):
        return [f"{path}: {len(a)} items != {len(b)} items"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


@pytest.mark.parametrize("role", ["demo-village", "demo-township", "demo-ngo", "demo-school"])
async def test_both_paths_count_and_page_alike(
    paths: tuple[AsyncClient, AsyncClient], demo_db: str, role: str
) -> None:
    token = await access_token(demo_db, role)
    village = await access_token(demo_db, "demo-village")
    body = await graphql_body(paths[0], village, CASELOAD, first=1)
    child_id = body["data"]["children"]["edges"][0]["node"]["id"]
    for document, variables in [
        ("{ children(first: 5) { totalCount } }", {}),
        ("{ children(first: 5) { pageInfo { endCursor hasNextPage } } }", {}),
        ("{ dueVisits(withinDays: 30) { totalCount } }", {}),
        (
            "query($id: ID!) { child(id: $id) { visits(first: 2) { totalCount } } }",
            {"id": child_id},
        ),
        (
            "query($id: ID!) { child(id: $id) { visits { pageInfo { hasNextPage } } } }",
            {"id": child_id},
        ),
    ]:
        await agree(paths, token, document, **variables)


async def referred_and_moving(client: AsyncClient, world: World) -> list[str]:
    """Cases of the demo village referred to the county, then to its centre and legal aid
    (one accepted), and children whose moves are requested, within the county and out of
    it; the cases' ids."""
    village, township, county = [
        await world.token(u) for u in ("demo-village", "demo-township", "demo-county")
    ]
    cases = []
    for category in ("GUARDIAN_NEGLECT", "OTHER"):
        child = await factories.child(client, village, DEMO_VILLAGE)
        case = await factories.case(client, village, child["id"], category=category)
        version = case["version"]
        for name, input_type, extra in (
            ("startAssessment", "CaseStepInput", {}),
            ("completeAssessment", "CompleteAssessmentInput", {"plan": "联系亲属临时照料。"}),
        ):
            done = await mutation_payload(
                client, township, STEP % (input_type, name),
                caseId=case["id"], expectedVersion=version, **extra,
            )  # fmt: skip
            assert done["errors"] == [], done
            version = done["case"]["version"]
        receivers = [(township, "demo-county"), (county, "demo-centre")]
        if category == "GUARDIAN_NEGLECT":  # legal aid takes those, not every case
            receivers.append((county, "demo-legalaid"))
        for token, receiver in receivers:
            referred = await mutation_payload(
                client, token, STEP % ("ReferCaseInput", "referCase"), caseId=case["id"],
                expectedVersion=version, organizationId=str(await world.org_of(receiver)),
            )  # fmt: skip
            assert referred["errors"] == [], (category, receiver, referred)
            version = referred["case"]["version"]
        cases.append(case["id"])
    legal_aid = await world.token("demo-legalaid")
    inbox = await graphql_body(client, legal_aid, REFERRAL_INBOX, first=1)
    referral = inbox["data"]["referrals"]["edges"][0]["node"]
    accepted = await mutation_payload(
        client, legal_aid, ACCEPT_REFERRAL,
        referralId=referral["id"], expectedVersion=referral["version"],
    )  # fmt: skip
    assert accepted["errors"] == [], accepted
    elsewhere = await world.scalar(
        "SELECT code FROM areas WHERE level = 'village' AND code LIKE '420703%' "
        "ORDER BY code LIMIT 1"
    )
    for target in (DEMO_VILLAGE2, elsewhere, DEMO_VILLAGE2):
        child = await factories.child(client, village, DEMO_VILLAGE)
        asked = await mutation_payload(
            client, village, REQUEST_MOVE, childId=child["id"], toAreaCode=target, reason="迁居"
        )
        assert asked["errors"] == [], asked
    return cases


async def test_both_paths_answer_the_same_about_referrals_and_moves(
    fresh_db: str, world: World, engine_for: EngineFactory
) -> None:
    """The referral inbox and the requested moves, as every role, with statuses, page
    sizes and cursors; and the files they show in full audited alike."""
    async for plain in service_client(fresh_db, compiled_reads=False):
        async for compiled in service_client(fresh_db):
            paths = (plain, compiled)
            cases = await referred_and_moving(plain, world)
            statuses = [None, None, "SENT", "ACCEPTED", "DECLINED", "COMPLETED", "NOPE"]
            for user in DEMO_USERS:
                token = await world.token(user.username)
                rng = random.Random(f"{SEED}:referrals:{user.username}")
                for _ in range(CASES // 2):
                    first = rng.choice([1, 2, 5, 50, None, 0, 101])
                    await agree_on_pages(
                        paths, token, REFERRAL_INBOX, rng,
                        status=rng.choice(statuses), first=first,
                    )  # fmt: skip
                    await agree_on_pages(paths, token, MOVE_REQUESTS, rng, first=first)
                for case_id in cases:
                    await agree(paths, token, CASE_DETAIL, id=case_id)
            for role in ("demo-legalaid", "demo-centre", "demo-village", "demo-village2"):
                token = await world.token(role)
                for document, variables in (
                    (REFERRAL_INBOX, {"first": 50}),
                    (MOVE_REQUESTS, {"first": 50}),
                    (CASE_DETAIL, {"id": cases[0]}),
                ):
                    noted = []
                    for client in paths:
                        before = (await last_read_event(fresh_db, engine_for))[0]
                        await graphql_body(client, token, document, **variables)
                        count, *event = await last_read_event(fresh_db, engine_for)
                        noted.append((count - before, event))
                    assert noted[0] == noted[1], (role, document)
                    # Files below the root: the cases' children, the moving children.
                    if (role, document) in (
                        ("demo-legalaid", REFERRAL_INBOX),
                        ("demo-legalaid", CASE_DETAIL),
                        ("demo-village", MOVE_REQUESTS),
                    ):
                        assert noted[0][0] == 1 and noted[0][1][2], (role, document)
            # Answered compiled: the scope setting and one statement that reads and audits.
            for role, document in (
                ("demo-legalaid", REFERRAL_INBOX),
                ("demo-village", MOVE_REQUESTS),
            ):
                token = await world.token(role)
                await graphql_body(compiled, token, document, first=50)  # the account, cached
                with counting_statements(compiled) as statements:
                    body = await graphql_body(compiled, token, document, first=50)
                assert next(iter(body["data"].values()))["edges"], body
                assert len(statements) == 2, statements
