"""GraphQL types of the read audit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from app.models import AuditRead
from schema.children.types import Child
from schema.context import Info
from schema.core.nodes import from_row
from schema.core.pagination import CountedConnection


@strawberry.type(
    name="AuditEvent",
    description="A child's file shown in full to someone (and whether with its full ID "
    "number), by one request.",
)
class AuditEventNode(relay.Node):
    id: relay.NodeID[str]
    occurred_at: datetime
    actor_label: str = strawberry.field(
        description="Who read it: `user:<username>` or `key:<prefix>` (an integration)."
    )
    actor_user_id: strawberry.ID | None = strawberry.field(
        description="The reader's user UUID (as `me { id }`); null for an API key."
    )
    operation_name: str | None = strawberry.field(description="The request's operation name.")
    area_code: str = strawberry.field(description="The child's village when it was read.")
    full_id_number: bool = strawberry.field(description="The full ID number was shown.")
    row: strawberry.Private[AuditRead]

    @classmethod
    def from_model(cls, row: AuditRead, operation_name: str | None) -> AuditEventNode:
        """The GraphQL view of a read."""
        return from_row(
            cls, row,
            actor_user_id=None if row.actor_user_id is None else strawberry.ID(
                str(row.actor_user_id)
            ),
            operation_name=operation_name, full_id_number=row.id_number, row=row,
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Not reachable through `node`: supervisors list them by child or user."""
        return [None for _ in node_ids]

    @strawberry.field(
        description="The child whose file was read; null when you may not see the child "
        "(a county sees that a file was read, not the file)."
    )
    async def child(self, info: Info) -> Child | None:
        row = await info.context.loaders.child.load(self.row.child_id)
        return None if row is None else Child.from_model(row, info)


@strawberry.type(name="AuditEventConnection")
class AuditEventConnection(CountedConnection[AuditEventNode]):
    """A page of reads."""
