"""GraphQL types of the duplicates passed on to be reconciled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from app.enums import Gender
from app.models import DuplicateReport as DuplicateReportModel
from schema.children.types import Child
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row
from schema.core.pagination import CountedConnection

register_enums()


@strawberry.type(
    description="A child registered (or edited) with an ID number on file for a child the "
    "registering user may not see: refused (ID_NUMBER_UNDER_REVIEW) and passed on to the "
    "townships and counties of both places to reconcile (the same child moved, or a "
    "mistyped number)."
)
class DuplicateReport(relay.Node):
    id: relay.NodeID[str]
    area_code: str = strawberry.field(description="The village where it was tried.")
    existing_area_code: str = strawberry.field(
        description="The village where the ID number is on file."
    )
    reported_at: datetime = strawberry.field(description="The latest attempt.")
    reporter_label: str = strawberry.field(description="Who tried last (account or key).")
    attempts: int
    name: str | None = strawberry.field(
        description="The child as entered; for the staff of the village where it was tried."
    )
    gender: Gender | None
    birth_date: date | None
    row: strawberry.Private[DuplicateReportModel]

    @classmethod
    def from_model(cls, row: DuplicateReportModel, info: Info) -> DuplicateReport:
        """The GraphQL view of a report: the entry as made only to the staff of its place."""
        own = info.context.scope.allows("child_file", "read", row.area_code)
        return from_row(
            cls, row,
            name=row.name if own else None, gender=row.gender if own else None,
            birth_date=row.birth_date if own else None, row=row,
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Not reachable through `node`: supervisors list them."""
        return [None for _ in node_ids]

    @strawberry.field(description="The child on file; null when you may not see it.")
    async def existing_child(self, info: Info) -> Child | None:
        row = await info.context.loaders.child.load(self.row.existing_child_id)
        return None if row is None else Child.from_model(row, info)


@strawberry.type(name="DuplicateReportConnection")
class DuplicateReportConnection(CountedConnection[DuplicateReport]):
    """A page of duplicates to reconcile."""
