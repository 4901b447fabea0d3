"""A record's version counts the edits people make to it: derived facts and other records
leave it alone (their changes still reach devices), and a stale edit is still refused."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.progress import SilentReporter
from app.seed.demo import DEMO_VILLAGE
from app.services.derivation import refresh_all_children
from tests import factories
from tests.conftest import TODAY, EngineFactory, access_token
from tests.graphql import mutation_payload, query_data
from tests.world import key_of

PULL = """
query($since: String) { syncPull(since: $since, first: 1000) {
  children { id version lastVisitAt nextVisitDue hasConfirmedGuardian categories }
  cursor hasMore
} }
"""
RECORD_VISIT = """mutation($input: RecordVisitInput!) {
  recordVisit(input: $input) { errors { code field message } } }"""
ENTRUST = """mutation($input: EntrustGuardianInput!) {
  entrustGuardian(input: $input) { guardianship { id version } errors { code field } } }"""
ASSESS = """mutation($input: AssessGuardianInput!) {
  assessGuardian(input: $input) { guardianship { id version } errors { code field } } }"""
CONFIRM = """mutation($input: ConfirmGuardianshipInput!) {
  confirmGuardianship(input: $input) { guardianship { id version } errors { code field } } }"""
UPDATE_PARENT = """mutation($input: UpdateParentInput!) {
  updateParent(input: $input) { errors { code field } } }"""
UPDATE_CHILD = """mutation($input: UpdateChildInput!) {
  updateChild(input: $input) {
    child { version studentNumber } errors { code field } current { version studentNumber }
  } }"""


class Files:
    """The test's database, read directly, and the village director's requests."""

    def __init__(self, client: AsyncClient, url: str, engine_for: EngineFactory) -> None:
        self.client = client
        self.url = url
        self.engine = engine_for(url)
        self.token = ""

    async def director(self) -> str:
        """The village director's token, made on first use."""
        if not self.token:
            self.token = await access_token(self.url, "demo-village")
        return self.token

    async def ask(self, query: str, **variables: Any) -> dict[str, Any]:
        """A document's data, asked by the village director."""
        return await query_data(self.client, await self.director(), query, **variables)

    async def mutate(self, query: str, **fields: Any) -> dict[str, Any]:
        """A mutation's payload."""
        return await mutation_payload(self.client, await self.director(), query, **fields)

    async def row(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).one()

    async def child(self, child_id: uuid.UUID) -> Any:
        return await self.row(
            "SELECT version, change_seq, last_visit_at, has_confirmed_guardian, categories "
            "FROM children WHERE id = :id",
            id=child_id,
        )

    async def pull(self, since: str | None) -> tuple[dict[str, Any], str]:
        """The children pulled since the cursor, by id, and the new cursor."""
        children: dict[str, Any] = {}
        while True:
            page = (await self.ask(PULL, since=since))["syncPull"]
            children |= {row["id"]: row for row in page["children"]}
            since = page["cursor"]
            if not page["hasMore"]:
                assert since is not None
                return children, since


def _visit(child: str) -> dict[str, Any]:
    findings = ("livingConditions", "guardianship", "schooling", "health", "mentalState")
    return {
        "childId": child,
        "visitedAt": datetime.now(UTC).isoformat(),
        "kind": "ROUTINE",
        **dict.fromkeys(findings, "GOOD"),
    }


async def test_derived_facts_and_other_records_leave_the_childs_version(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    files = Files(fresh_client, fresh_db, engine_for)
    village = await files.director()
    household = await factories.household(fresh_client, village, DEMO_VILLAGE)
    made = await factories.child(fresh_client, village, DEMO_VILLAGE, household_id=household["id"])
    child = made["id"]
    _, cursor = await files.pull(None)
    before = await files.child(uuid.UUID(key_of(child)))  # the version a device holds

    cursor = await _a_visit_moves_the_visit_dates(files, child, before, cursor)
    cursor = await _a_confirmed_guardian_is_a_derived_fact(files, child, before, cursor)
    father = household["parents"][0]["id"]
    await _a_parents_change_and_derive_rederive_the_child(files, child, father, before, cursor)
    await _an_offline_edit_from_the_version_before_is_an_edit(files, child, before)


async def _a_visit_moves_the_visit_dates(files: Files, child: str, before: Any, cursor: str) -> str:
    """A visit: the child's last visit and next visit due move, its version does not."""
    assert (await files.mutate(RECORD_VISIT, **_visit(child)))["errors"] == []
    visited = await files.child(uuid.UUID(key_of(child)))
    assert visited.last_visit_at is not None and visited.last_visit_at != before.last_visit_at
    assert (visited.version, visited.change_seq > before.change_seq) == (before.version, True)
    pulled, cursor = await files.pull(cursor)
    assert pulled[child]["version"] == before.version
    assert pulled[child]["lastVisitAt"] is not None
    return cursor


async def _a_confirmed_guardian_is_a_derived_fact(
    files: Files, child: str, before: Any, cursor: str
) -> str:
    """A guardian entrusted, assessed, confirmed: the child has a confirmed guardian now, at
    the version it had."""
    previous = await files.child(uuid.UUID(key_of(child)))
    entrusted = await files.mutate(
        ENTRUST, childId=child, guardianName="王秀英", relation="GRANDPARENT",
        agreementSigned=True,
    )  # fmt: skip
    assert entrusted["errors"] == []
    guardianship = entrusted["guardianship"]
    assessed = await files.mutate(
        ASSESS, id=guardianship["id"], expectedVersion=guardianship["version"],
        capacity="CAPABLE",
    )  # fmt: skip
    assert assessed["errors"] == []
    confirmed = await files.mutate(
        CONFIRM, id=guardianship["id"], expectedVersion=assessed["guardianship"]["version"],
        agreementSigned=True,
    )  # fmt: skip
    assert confirmed["errors"] == []
    guarded = await files.child(uuid.UUID(key_of(child)))
    assert guarded.has_confirmed_guardian and guarded.version == before.version
    assert guarded.change_seq > previous.change_seq
    pulled, cursor = await files.pull(cursor)
    assert (pulled[child]["version"], pulled[child]["hasConfirmedGuardian"]) == (
        before.version, True
    )  # fmt: skip
    return cursor


async def _a_parents_change_and_derive_rederive_the_child(
    files: Files, child: str, parent: str, before: Any, cursor: str
) -> None:
    """A parent's change re-derives the child; a stale derived fact is put right by derive;
    neither changes the child's version."""
    child_id = uuid.UUID(key_of(child))
    parent_version = (await files.row("SELECT version FROM parents WHERE id = :id",
                                      id=key_of(parent))).version  # fmt: skip
    changed = await files.mutate(
        UPDATE_PARENT, id=parent, expectedVersion=parent_version, parent={"status": "DECEASED"}
    )
    assert changed["errors"] == []
    async with files.engine.begin() as conn:
        await conn.execute(
            text("UPDATE children SET categories = '{}' WHERE id = :id"), {"id": child_id}
        )
    stale = await files.child(child_id)
    assert (stale.categories, stale.version) == ([], before.version)
    assert await refresh_all_children(files.engine, TODAY, SilentReporter()) >= 1
    derived = await files.child(child_id)
    assert derived.categories and derived.version == before.version
    assert derived.change_seq > stale.change_seq
    pulled, cursor = await files.pull(cursor)
    assert pulled[child]["version"] == before.version
    assert pulled[child]["categories"] == [c.upper() for c in derived.categories]


async def _an_offline_edit_from_the_version_before_is_an_edit(
    files: Files, child: str, before: Any
) -> None:
    """The device's edit, made offline with the version it read before all this, goes through
    and is an edit; a second device's edit from the same version is a conflict."""
    edit = {"id": child, "expectedVersion": before.version}
    offline = await files.mutate(UPDATE_CHILD, **edit, child={"studentNumber": "S2026077"})
    assert offline["errors"] == []
    assert offline["child"] == {"version": before.version + 1, "studentNumber": "S2026077"}
    other = await files.mutate(UPDATE_CHILD, **edit, child={"studentNumber": "S2026078"})
    assert [(e["code"], e["field"]) for e in other["errors"]] == [
        ("VERSION_CONFLICT", "expectedVersion")
    ]
    assert other["current"] == offline["child"]


async def _wait_until_blocked(conn: AsyncConnection, blocker: int) -> None:
    """Wait until a backend waits for a lock the connection `blocker` holds."""
    for _ in range(500):
        waiting = await conn.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
            {"pid": blocker},
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the request never waited for the lock")


async def _edit_while_a_transaction_writes(files: Files, concurrent_sql: str) -> dict[str, Any]:
    """Send an edit of a child while another transaction, which has written the child's row
    with `concurrent_sql` but not committed yet, holds its lock; commit that transaction once
    the edit waits for it. The edit's payload."""
    made = await factories.child(files.client, await files.director(), DEMO_VILLAGE)
    edit = {"id": made["id"], "expectedVersion": made["version"]}
    async with files.engine.connect() as writer, files.engine.connect() as watcher:
        await writer.begin()
        await writer.execute(text(concurrent_sql), {"id": key_of(made["id"])})
        pid = await writer.scalar(text("SELECT pg_backend_pid()"))
        # The edit reads the row as committed (its version matches) and then waits for the
        # row's lock to write it.
        request = asyncio.create_task(
            files.mutate(UPDATE_CHILD, **edit, child={"studentNumber": "S2026099"})
        )
        await _wait_until_blocked(watcher, pid)
        await writer.commit()
        return await request


async def test_an_edit_that_loses_a_race_is_a_version_conflict(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    files = Files(fresh_client, fresh_db, engine_for)
    answer = await _edit_while_a_transaction_writes(
        files, "UPDATE children SET student_number = 'S2026098' WHERE id = :id"
    )
    assert [(e["code"], e["field"]) for e in answer["errors"]] == [
        ("VERSION_CONFLICT", "expectedVersion")
    ]
    assert answer["child"] is None


async def test_a_derive_running_alongside_an_edit_does_not_conflict_with_it(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    files = Files(fresh_client, fresh_db, engine_for)
    answer = await _edit_while_a_transaction_writes(
        files, "UPDATE children SET derived_on = derived_on + 1 WHERE id = :id"
    )
    assert answer["errors"] == []
    assert answer["child"]["studentNumber"] == "S2026099"
