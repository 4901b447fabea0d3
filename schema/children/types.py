"""GraphQL types of a child's file."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from app.models import Child as ChildModel
from schema.context import Info


@strawberry.type(description="A child on file (儿童).")
class Child(relay.Node):
    id: relay.NodeID[str]
    area_code: str
    name: str

    @classmethod
    def from_model(cls, child: ChildModel) -> Child:
        """The GraphQL view of a child row."""
        return cls(id=str(child.id), area_code=child.area_code, name=child.name)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Children by id through the request's loader; a malformed id is simply not found."""
        ids: list[uuid.UUID | None] = []
        for raw in node_ids:
            try:
                ids.append(uuid.UUID(raw))
            except ValueError:
                ids.append(None)
        wanted = [i for i in ids if i is not None]
        found = dict(zip(wanted, await info.context.loaders.child.load_many(wanted), strict=True))
        return [
            None if i is None or found[i] is None else cls.from_model(found[i])  # type: ignore[arg-type]
            for i in ids
        ]
