"""GraphQL types of visits: a visit and a page of them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from app.enums import (
    Finding,
    VisitKind,
)
from app.models import Visit as VisitModel
from app.store import json_sql
from app.store.visits import count_visits, list_visits
from schema.compiler.mapping import SqlType
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row, global_id, load_nodes
from schema.core.pagination import (
    CountedConnection,
    connection,
    decode_timed_cursor,
)
from schema.staff.cards import StaffCard, staff_card

register_enums()


@strawberry.type(description="A home visit (走访) and what was found.")
class Visit(relay.Node):
    id: relay.NodeID[str]
    area_code: str
    visited_at: datetime
    kind: VisitKind
    living_conditions: Finding
    guardianship: Finding
    schooling: Finding
    health: Finding
    mental_state: Finding
    risks_found: list[str]
    notes: str | None
    next_visit_due: date | None = strawberry.field(
        description="The next regular visit as planned at this visit; the child's "
        "`nextVisitDue` is the one in force."
    )
    child_id: strawberry.ID = strawberry.field(description="The child's global id.")
    case_id: strawberry.ID | None = strawberry.field(
        description="The global id of the protection case a case follow-up visit belongs to."
    )
    visitor_id: strawberry.Private[uuid.UUID | None]
    organization_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, v: VisitModel) -> Visit:
        """The GraphQL view of a visit row."""
        return from_row(
            cls, v,
            child_id=global_id("Child", v.child_id),
            case_id=None if v.case_id is None else global_id("Case", v.case_id),
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Visits by id through the request's loader."""
        return await load_nodes(info.context.loaders.visit, node_ids, cls.from_model)

    @strawberry.field(
        description="Who recorded the visit: the visitor's card (name, role, organization); "
        "for a partner system's API key, its organization only."
    )
    async def visitor(self, info: Info) -> StaffCard | None:
        return await staff_card(info, self.visitor_id, self.organization_id)


@strawberry.type(name="VisitConnection")
class VisitConnection(CountedConnection[Visit]):
    """A page of visits."""


async def visit_page(
    info: Info, *, child_id: uuid.UUID | None, first: int | None, after: str | None
) -> VisitConnection:
    """Visits (of one child, or all the caller may see), newest first."""
    return await connection(
        info, VisitConnection, first=first, after=after, cursor=decode_timed_cursor,
        rows=lambda s, key, limit: list_visits(s, child_id=child_id, after=key, limit=limit),
        count=lambda s: count_visits(s, child_id=child_id),
        key=lambda v: f"{v.visited_at.isoformat()}|{v.id}", node=Visit.from_model,
    )  # fmt: skip


VISIT_SQL = SqlType(
    name="Visit",
    model=VisitModel,
    columns={
        "childId": lambda row, _c: json_sql.global_id("Child", row.child_id),
        "caseId": lambda row, _c: json_sql.global_id("Case", row.case_id),
    },
)
"""How SQL serves a visit's fields (schema/compiler)."""
