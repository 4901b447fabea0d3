"""`syncPull`: everything in the caller's scope that changed since a cursor."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from app import clock
from app.observability import metrics
from app.store.children import children_by_id
from app.store.sync import Cursor, InvalidCursor, contract_children_to_recheck, pull
from authz.scope import Scope
from schema.cases.types import Case, CaseEvent, CaseReferral
from schema.children.move_requests import ChildMoveRequest
from schema.children.types import Child
from schema.context import Info
from schema.core.errors import QueryError
from schema.core.nodes import global_id
from schema.guardianships.types import Guardianship
from schema.households.types import Household, Parent
from schema.tasks.types import Task
from schema.visits.types import Visit

MAX_SYNC_PAGE = 1000


@strawberry.type(description="A record the device must drop: deleted, or out of its scope now.")
class Removal:
    type_name: str
    id: strawberry.ID
    merged_into: strawberry.ID | None = strawberry.field(
        default=None,
        description="For a child's file merged into another: the file it went into, which "
        "holds its history now (re-point what the device holds of it there).",
    )


@strawberry.type(description="A page of changes; keep `cursor` and pull again while hasMore.")
class SyncPage:
    households: list[Household]
    parents: list[Parent]
    children: list[Child]
    guardianships: list[Guardianship]
    visits: list[Visit]
    cases: list[Case]
    case_events: list[CaseEvent] = strawberry.field(
        description="Entries of the cases' histories (a case's timeline, offline)."
    )
    referrals: list[CaseReferral] = strawberry.field(
        description="Referrals of the cases, and those sent to the caller's organization."
    )
    move_requests: list[ChildMoveRequest] = strawberry.field(
        description="Requests to move a child's file, from this side or to it."
    )
    tasks: list[Task] = strawberry.field(
        description="The caller's tasks, open and closed (a closed one leaves the to-do list)."
    )
    removals: list[Removal]
    cursor: str
    has_more: bool


def sync_cursor(since: str | None, first: int) -> Cursor:
    """The cursor a pull continues from (OUT_OF_RANGE for a page size out of range,
    INVALID_CURSOR for a cursor this server did not make)."""
    if not 0 < first <= MAX_SYNC_PAGE:
        raise QueryError(
            "OUT_OF_RANGE", "first must be between 1 and {maximum}", {"maximum": MAX_SYNC_PAGE}
        )
    try:
        return Cursor.decode(since)
    except InvalidCursor as exc:
        raise QueryError("INVALID_CURSOR", "invalid sync cursor") from exc


def rechecked_organization(scope: Scope, cursor: Cursor) -> uuid.UUID | None:
    """The NGO whose contracted children are checked again on this pull (once per round, on
    its first page, not for the initial sync); None when none are."""
    organization = scope.principal.organization_id
    if cursor.hi is None and cursor.lo > 0 and scope.can("contracted_child", "read"):
        return organization
    return None


@strawberry.type
class SyncQuery:
    @strawberry.field(
        description="Upserts and removals in the caller's scope since `since` (null: everything)."
    )
    async def sync_pull(self, info: Info, since: str | None = None, first: int = 500) -> SyncPage:
        cursor = sync_cursor(since, first)
        today = clock.today()
        pulled = await info.context.db.read(lambda s: pull(s, cursor, first, today))
        rows = pulled.rows
        removals = [
            Removal(type_name=type_name, id=global_id(type_name, row.id))
            for name, type_name in (
                ("households", "Household"), ("parents", "Parent"), ("children", "Child"),
                ("guardianships", "Guardianship"), ("visits", "Visit"), ("cases", "Case"),
                ("case_events", "CaseEvent"), ("referrals", "CaseReferral"),
                ("move_requests", "ChildMoveRequest"), ("tasks", "Task"),
            )
            for row in rows.get(name, [])
            if row.deleted_at is not None
        ]  # fmt: skip
        # A file merged into another leaves every device, saying which file to follow.
        removals += [
            Removal(type_name="Child", id=global_id("Child", row.id),
                    merged_into=global_id("Child", row.merged_into_id))
            for row in rows.get("children", [])
            if row.deleted_at is None and row.merged_into_id is not None
        ]  # fmt: skip
        # Children who left the scope: moved away, or an NGO's contract for them ended. Checked
        # once per round (on its first page), not for the initial sync.
        moves = rows.get("moves", [])
        candidates = [m.child_id for m in moves]
        organization = rechecked_organization(info.context.scope, cursor)
        if organization is not None:
            candidates += await info.context.db.read(
                lambda s: contract_children_to_recheck(s, organization, cursor, today)
            )
        if candidates:
            visible = await info.context.db.read(lambda s: children_by_id(s, candidates))
            seen = {child.id for child in visible if child is not None}
            removals += [
                Removal(type_name="Child", id=global_id("Child", child_id))
                for child_id in sorted(set(candidates) - seen)
            ]
            # A family that moved with its last child leaves too (its parents with it).
            removals += [
                Removal(type_name="Household", id=global_id("Household", m.household_id))
                for m in moves
                if m.household_id is not None and m.child_id not in seen
            ]

        def live(name: str) -> list[Any]:
            return [
                row for row in rows.get(name, [])
                if row.deleted_at is None and getattr(row, "merged_into_id", None) is None
            ]  # fmt: skip

        page = SyncPage(
            households=[Household.from_model(r) for r in live("households")],
            parents=[Parent.from_model(r) for r in live("parents")],
            children=[Child.from_model(r, info) for r in live("children")],
            guardianships=[Guardianship.from_model(r) for r in live("guardianships")],
            visits=[Visit.from_model(r) for r in live("visits")],
            cases=[Case.from_model(r) for r in live("cases")],
            case_events=[CaseEvent.from_model(r) for r in live("case_events")],
            referrals=[CaseReferral.from_model(r) for r in live("referrals")],
            move_requests=[ChildMoveRequest.from_model(r, info) for r in live("move_requests")],
            tasks=[Task.from_model(r) for r in live("tasks")],
            removals=removals,
            cursor=pulled.cursor.encode(),
            has_more=pulled.has_more,
        )
        upserts = sum(len(records) for records in (
            page.households, page.parents, page.children, page.guardianships, page.visits,
            page.cases, page.case_events, page.referrals, page.move_requests, page.tasks,
        ))  # fmt: skip
        metrics.sync_pulled(upserts, len(removals))
        return page
