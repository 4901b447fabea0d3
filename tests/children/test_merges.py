"""Merging two files of the same child: the duplicate's history moves onto the kept file,
which gains what only the duplicate held; the duplicate stays, marked merged, and is listed,
counted, found and synced nowhere; refusals write nothing."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import fields
from typing import Any

from httpx import AsyncClient
from openpyxl import load_workbook

from app.domain.child_merges import MERGE_RULES
from app.seed.demo import DEMO_TOWNSHIP, DEMO_VILLAGE, DEMO_VILLAGE2
from app.services.children import ChildData
from tests import factories
from tests.documents import REGISTER_CHILD, child_input, mutation
from tests.graphql import gid, mutation_payload, query_data
from tests.world import World, key_of

MERGE = mutation(
    "mergeChildren",
    "MergeChildrenInput",
    "child { id name idNumber disability noHouseholdRegistration version status } "
    "duplicate { id status archivedReason mergedIntoId mergedAt version } conflicts "
    "current { id version }",
)
UPDATE_CHILD = mutation("updateChild", "UpdateChildInput", "child { id }")
REQUEST_MOVE = mutation("requestChildMove", "RequestChildMoveInput", "request { id status }")
CHILD = """
query($id: ID!) {
  node(id: $id) {
    ... on Child {
      id name status archivedReason mergedIntoId mergedAt version birthDate householdId
    }
    ... on Household { children { id } }
  }
}
"""
LIST = """
query($area: String!, $search: String) {
  children(filter: {areaCode: $area, search: $search}, first: 100) {
    totalCount edges { node { id } }
  }
}
"""
PULL = """
query($since: String) {
  syncPull(since: $since, first: 1000) {
    children { id } visits { id childId } cases { id childId }
    removals { typeName id mergedInto } cursor hasMore
  }
}
"""


async def _node(client: AsyncClient, token: str, node_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await query_data(client, token, CHILD, id=node_id))["node"]
    return node


async def _listed(client: AsyncClient, token: str, area: str, search: str | None = None) -> Any:
    data = await query_data(client, token, LIST, area=area, search=search)
    ids = [edge["node"]["id"] for edge in data["children"]["edges"]]
    return data["children"]["totalCount"], ids


async def _pulled_to_the_end(client: AsyncClient, token: str, since: str | None) -> Any:
    pages = []
    while True:
        page = (await query_data(client, token, PULL, since=since))["syncPull"]
        pages.append(page)
        since = page["cursor"]
        if not page["hasMore"]:
            return pages, since


async def _counted(world: World, village: str) -> int:
    """The children the village's statistics count this quarter."""
    counted: int = await world.scalar(
        "SELECT children FROM area_quarter_statistics WHERE area_code = :v "
        "ORDER BY quarter DESC LIMIT 1", v=village,
    )  # fmt: skip
    return counted


async def _exported(client: AsyncClient, token: str, name: str) -> list[str]:
    """The names in the children's ledger exported with a name filter, sorted."""
    response = await client.get(
        "/exports/children.xlsx", params={"name": name},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    column = list(rows[0]).index("姓名")
    return sorted(str(row[column]) for row in rows[1:])


async def _merge(
    client: AsyncClient, token: str, kept: dict[str, Any], duplicate: dict[str, Any]
) -> dict[str, Any]:
    return await mutation_payload(
        client, token, MERGE, childId=kept["id"], expectedVersion=kept["version"],
        duplicateId=duplicate["id"], duplicateExpectedVersion=duplicate["version"],
    )  # fmt: skip


async def _file_without_id_number(
    client: AsyncClient, token: str, area: str, **fields: Any
) -> dict[str, Any]:
    """A file with no ID number (no household registration), as an import or intake makes."""
    household = await factories.household(client, token, area)
    payload = await mutation_payload(
        client, token, REGISTER_CHILD,
        child=child_input(household["id"], idNumber=None, noHouseholdRegistration=True, **fields),
    )  # fmt: skip
    assert payload["errors"] == [], payload
    made: dict[str, Any] = payload["child"]
    return made


def test_every_field_a_person_types_has_a_merge_rule() -> None:
    # The household is the kept file's own; every other field of the record needs a rule,
    # or a field added later would be dropped by merges without anyone deciding so.
    typed = {field.name for field in fields(ChildData)} - {"household_id"}
    assert typed == set(MERGE_RULES)


async def test_a_merge_moves_every_record_and_keeps_the_duplicate_as_merged(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    duplicate = await factories.child(fresh_client, village, DEMO_VILLAGE, name="欧阳念词",
                                      disability=True)  # fmt: skip
    number = duplicate["idNumber"]
    birth = (await _node(fresh_client, village, duplicate["id"]))["birthDate"]
    kept = await _file_without_id_number(
        fresh_client, village, DEMO_VILLAGE, name="欧阳念慈", birthDate=birth
    )
    dup_key, kept_key = key_of(duplicate["id"]), key_of(kept["id"])
    # The duplicate's history: a visit, a case, a guardian (the kept file has its own), a
    # school absence, an open move request, and tasks (one of a kind the kept file has open).
    visit = await factories.visit(fresh_client, village, duplicate["id"])
    case = await factories.case(fresh_client, village, duplicate["id"])
    await factories.guardianship(fresh_client, village, duplicate["id"])
    await factories.guardianship(fresh_client, village, kept["id"], guardianName="李桂兰")
    moving = await mutation_payload(
        fresh_client, village, REQUEST_MOVE, childId=duplicate["id"], toAreaCode=DEMO_VILLAGE2
    )
    assert moving["errors"] == [], moving
    await world.execute(
        "INSERT INTO absence_records (id, school_id, batch_id, student_key, absent_on, "
        "periods, excused, child_id, area_code) SELECT gen_random_uuid(), o.id, 'b1', "
        "replace(:dup, '-', ''), DATE '2026-11-02', 2, false, CAST(:dup AS uuid), :village "
        "FROM organizations o WHERE o.kind = 'school' ORDER BY o.id LIMIT 1",
        dup=dup_key, village=DEMO_VILLAGE,
    )  # fmt: skip
    await world.execute(
        "INSERT INTO tasks (id, area_code, kind, subject_type, subject_id, child_id, reason, "
        "priority, assignee_role, escalation_level) SELECT gen_random_uuid(), :village, "
        "'visit_overdue', 'child', t.child, t.child, '走访逾期', 'normal', 'village_director', "
        "t.level FROM (VALUES (CAST(:dup AS uuid), 0), (CAST(:dup AS uuid), 1), "
        "(CAST(:kept AS uuid), 0)) AS t(child, level)",
        village=DEMO_VILLAGE, dup=dup_key, kept=kept_key,
    )  # fmt: skip
    # An NGO serves both under one contract, and the duplicate under the other as well.
    await world.execute(
        "INSERT INTO ngo_contract_children (contract_id, child_id, area_code, assigned_at) "
        "SELECT k.id, t.child, :village, now() FROM ngo_contracts k, (VALUES "
        "(CAST(:dup AS uuid)), (CAST(:kept AS uuid))) AS t(child) "
        "WHERE t.child = CAST(:dup AS uuid) "
        "OR k.ends_on = (SELECT max(ends_on) FROM ngo_contracts)",
        village=DEMO_VILLAGE, dup=dup_key, kept=kept_key,
    )  # fmt: skip
    duplicate = await _node(fresh_client, village, duplicate["id"])
    kept = await _node(fresh_client, village, kept["id"])
    _, cursor = await _pulled_to_the_end(fresh_client, village, None)
    counted = await _counted(world, DEMO_VILLAGE)
    family = await _node(fresh_client, village, duplicate["householdId"])
    assert family["children"] == [{"id": duplicate["id"]}]
    assert await _exported(fresh_client, village, "欧阳念") == ["欧阳念慈", "欧阳念词"]
    total, found = await _listed(fresh_client, village, DEMO_VILLAGE, "欧阳念")
    assert (total, set(found)) == (2, {kept["id"], duplicate["id"]})

    merged = await _merge(fresh_client, village, kept, duplicate)

    assert merged["errors"] == [], merged
    # The kept file keeps its name, gains the ID number and the recorded disability.
    assert merged["conflicts"] == ["name", "guardianship"]
    child = merged["child"]
    assert (child["id"], child["name"], child["idNumber"]) == (kept["id"], "欧阳念慈", number)
    assert child["disability"] is True and child["noHouseholdRegistration"] is False
    gone = merged["duplicate"]
    assert (gone["status"], gone["archivedReason"]) == ("ARCHIVED", "DUPLICATE")
    assert gone["mergedIntoId"] == kept["id"] and gone["mergedAt"] is not None
    # Its id still resolves: to the file as it stands, which says where it went.
    assert (await _node(fresh_client, village, duplicate["id"]))["mergedIntoId"] == kept["id"]
    merged_by = await world.scalar(
        "SELECT u.username FROM children c JOIN users u ON u.id = c.merged_by_id "
        "WHERE c.id = :dup", dup=dup_key,
    )  # fmt: skip
    assert merged_by == "demo-village"
    # Every record about the duplicate is the kept file's now.
    for table in ("visits", "cases", "guardianships", "absence_records", "tasks"):
        left = await world.scalar(f"SELECT count(*) FROM {table} WHERE child_id = :c", c=dup_key)
        assert left == 0, table
    # An assignment the kept file already has under a contract stays the duplicate's.
    assigned = await world.rows(
        "SELECT child_id, count(*) AS n FROM ngo_contract_children "
        "WHERE child_id IN (:dup, :kept) GROUP BY child_id",
        dup=dup_key, kept=kept_key,
    )  # fmt: skip
    assert {str(row.child_id): row.n for row in assigned} == {kept_key: 2, dup_key: 1}
    events = await world.rows(
        "SELECT kind FROM case_events WHERE case_id = :case ORDER BY occurred_at",
        case=key_of(case["id"]),
    )
    assert [row.kind for row in events] == ["reported", "merged"]
    guardians = await world.rows(
        "SELECT guardian_name, status FROM guardianships WHERE child_id = :c ORDER BY 1",
        c=kept_key,
    )
    assert [(row.guardian_name, row.status) for row in guardians] == [
        ("李桂兰", "active"), ("王秀英", "ended"),
    ]  # fmt: skip
    # The task the kept file already had open is not opened twice; the escalated one moved.
    tasks = await world.rows(
        "SELECT subject_id, escalation_level, status FROM tasks WHERE kind = 'visit_overdue' "
        "AND child_id = :c ORDER BY escalation_level, status",
        c=kept_key,
    )
    assert [(str(r.subject_id), r.escalation_level, r.status) for r in tasks] == [
        (kept_key, 0, "done"), (kept_key, 0, "open"), (kept_key, 1, "open"),
    ]  # fmt: skip
    request = await world.scalar(
        "SELECT status FROM child_move_requests WHERE id = :r",
        r=key_of(moving["request"]["id"]),
    )
    assert request == "cancelled"
    # Lists, counts and search know only the kept file, which the ID number now finds.
    assert await _listed(fresh_client, village, DEMO_VILLAGE, "欧阳念") == (1, [kept["id"]])
    for query in ("欧阳念词", "ouyangnianci", "oync", number, number[-6:]):
        _, found = await _listed(fresh_client, village, DEMO_VILLAGE, query)
        assert duplicate["id"] not in found, query
    assert kept["id"] in (await _listed(fresh_client, village, DEMO_VILLAGE, number))[1]
    # Nor its household, the statistics and the exports.
    assert (await _node(fresh_client, village, duplicate["householdId"]))["children"] == []
    assert await _counted(world, DEMO_VILLAGE) == counted - 1
    assert await _exported(fresh_client, village, "欧阳念") == ["欧阳念慈"]
    keys = await world.scalar(
        "SELECT count(*) FROM child_search_keys WHERE child_id = :c", c=dup_key
    )
    assert keys == 0
    # A device is told to drop the duplicate and where its history went.
    pages, _ = await _pulled_to_the_end(fresh_client, village, cursor)
    removals = [r for page in pages for r in page["removals"]]
    assert {"typeName": "Child", "id": duplicate["id"], "mergedInto": kept["id"]} in removals
    assert all(c["id"] != duplicate["id"] for page in pages for c in page["children"])
    visits = {v["id"]: v["childId"] for page in pages for v in page["visits"]}
    assert visits[visit["id"]] == kept["id"]
    audited = await world.scalar(
        "SELECT record_ids FROM audit_events WHERE action = 'mergeChildren'"
    )
    assert sorted(audited) == sorted([f"Child:{kept_key}", f"Child:{dup_key}"])
    # Partners holding the duplicate or its cases are told where they went.
    event = await world.scalar("SELECT payload FROM outbox_events WHERE kind = 'child_merged'")
    assert event == {"childId": kept_key, "mergedChildId": dup_key,
                     "caseIds": [key_of(case["id"])]}  # fmt: skip
    # A visit sent later for the duplicate (recorded offline) is the kept file's; the
    # duplicate itself is not edited any more.
    late = await factories.visit(fresh_client, village, duplicate["id"])
    assert await world.scalar(
        "SELECT child_id FROM visits WHERE id = :v", v=key_of(late["id"])
    ) == uuid.UUID(kept_key)
    edit = await mutation_payload(
        fresh_client, village, UPDATE_CHILD, id=duplicate["id"],
        expectedVersion=gone["version"], child={"name": "欧阳念词"},
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in edit["errors"]] == [("ALREADY_MERGED", "id")]
    # A retry of the same merge says it is done, and changes nothing.
    again = await _merge(fresh_client, village, kept, duplicate)
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("ALREADY_MERGED", "duplicateId")]
    assert (await _node(fresh_client, village, kept["id"]))["version"] == child["version"]


async def test_a_township_merges_files_of_two_of_its_villages(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    duplicate = await factories.child(fresh_client, village, DEMO_VILLAGE, name="司马青云")
    case = await factories.case(fresh_client, village, duplicate["id"])
    village2 = await world.token("demo-village2")
    birth = (await _node(fresh_client, village, duplicate["id"]))["birthDate"]
    kept = await _file_without_id_number(
        fresh_client, village2, DEMO_VILLAGE2, name="司马青云", birthDate=birth
    )
    # Neither village may merge a file of the other.
    for token in (village, village2):
        refused = await _merge(fresh_client, token, kept, duplicate)
        assert refused["errors"][0]["code"] == "NOT_FOUND", refused
    merged = await _merge(fresh_client, township, kept, duplicate)
    assert merged["errors"] == [], merged
    moved = await world.row(
        "SELECT child_id, area_code FROM cases WHERE id = :case", case=key_of(case["id"])
    )
    assert (str(moved.child_id), moved.area_code) == (key_of(kept["id"]), DEMO_VILLAGE2)
    assert await _listed(fresh_client, township, DEMO_TOWNSHIP, "司马青云") == (1, [kept["id"]])


async def test_a_refused_merge_says_why_and_writes_nothing(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    one = await factories.child(fresh_client, village, DEMO_VILLAGE)
    other = await factories.child(fresh_client, village, DEMO_VILLAGE)
    elsewhere = await factories.child(
        fresh_client, await world.token("demo-village2"), DEMO_VILLAGE2
    )
    missing = {"id": gid("Child", "00000000-0000-0000-0000-00000000abcd"), "version": 1}
    cases: list[tuple[dict[str, Any], dict[str, Any], tuple[str, str]]] = [
        (one, one, ("MERGE_SAME_CHILD", "duplicateId")),
        (one, other, ("DIFFERENT_ID_NUMBERS", "duplicateId")),
        (one, missing, ("NOT_FOUND", "duplicateId")),
        (missing, one, ("NOT_FOUND", "childId")),
        (one, {**other, "version": other["version"] + 7}, ("DIFFERENT_ID_NUMBERS", "duplicateId")),
    ]
    for kept, duplicate, expected in cases:
        refused = await _merge(fresh_client, village, kept, duplicate)
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [expected], expected
        assert refused["child"] is None and refused["duplicate"] is None
    # A file out of scope answers exactly as a missing one.
    outside = await _merge(fresh_client, village, one, elsewhere)
    unknown = await _merge(fresh_client, village, one, missing)
    assert outside["errors"] == unknown["errors"]
    # Only who may merge the files: not the county, the police, a school or an NGO.
    for username in ("demo-county", "demo-police", "demo-school", "demo-ngo"):
        refused = await _merge(fresh_client, await world.token(username), one, other)
        assert refused["errors"][0]["code"] in {"NOT_FOUND", "FORBIDDEN"}, username
    # The ID number the kept file would gain must agree with its own birth date.
    no_number = await _file_without_id_number(
        fresh_client, village, DEMO_VILLAGE, birthDate="2015-01-01"
    )
    mismatch = await _merge(fresh_client, village, no_number, one)
    assert [(e["code"], e["field"]) for e in mismatch["errors"]] == [
        ("ID_NUMBER_MISMATCH", "duplicateId")
    ]
    # A stale version: the file as it is now, to look again.
    stale = await _merge(fresh_client, village, {**one, "version": one["version"] + 1}, no_number)
    assert [(e["code"], e["field"]) for e in stale["errors"]] == [
        ("VERSION_CONFLICT", "expectedVersion")
    ]
    assert stale["current"]["id"] == one["id"]
    for child in (one, other, no_number):
        row = await world.row(
            "SELECT version, merged_into_id, status FROM children WHERE id = :c",
            c=key_of(child["id"]),
        )
        assert (row.version, row.merged_into_id, row.status) == (child["version"], None, "active")


async def test_the_same_merge_sent_twice_at_once_is_done_once(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    kept = await factories.child(fresh_client, village, DEMO_VILLAGE)
    duplicate = await _file_without_id_number(fresh_client, village, DEMO_VILLAGE)
    answers = await asyncio.gather(
        *(_merge(fresh_client, village, kept, duplicate) for _ in range(2))
    )
    codes = sorted([e["code"] for e in answer["errors"]] for answer in answers)
    assert codes == [[], ["ALREADY_MERGED"]]
