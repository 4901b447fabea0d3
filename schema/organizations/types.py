"""GraphQL types of organizations."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from sqlalchemy import String, cast
from strawberry import relay

from app.enums import OrganizationKind
from app.models import Organization as OrganizationModel
from schema.compiler.mapping import SqlType
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row
from schema.core.pagination import CountedConnection

register_enums()


@strawberry.type(description="A body with a duty towards children, placed in the area it serves.")
class Organization(relay.Node):
    id: relay.NodeID[str]
    organization_id: strawberry.ID = strawberry.field(
        description="The UUID referCase takes as organizationId (and ChildInput as schoolId)."
    )
    kind: OrganizationKind
    name: str
    area_code: str = strawberry.field(description="The area it is placed in and serves.")
    phone: str | None

    @classmethod
    def from_model(cls, org: OrganizationModel) -> Organization:
        """The GraphQL view of an organization row."""
        return from_row(cls, org, organization_id=strawberry.ID(str(org.id)))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Not reachable through `node`: the directory is listed, not looked up."""
        return [None for _ in node_ids]


@strawberry.type(name="OrganizationConnection")
class OrganizationConnection(CountedConnection[Organization]):
    """A page of organizations."""


ORGANIZATION_SQL = SqlType(
    name="Organization",
    model=OrganizationModel,
    columns={"organizationId": lambda row, _c: cast(row.id, String)},
)
"""How SQL serves an organization's fields (schema/compiler)."""
