"""GraphQL types of areas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from app.enums import AreaLevel
from app.models import Area as AreaModel
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row
from schema.core.pagination import CountedConnection

register_enums()


@strawberry.type(
    description="An administrative division (行政区划); its code prefixes those below."
)
class Area(relay.Node):
    node_code: relay.NodeID[str]
    code: str
    name: str
    level: AreaLevel
    parent_code: str | None

    @classmethod
    def from_model(cls, area: AreaModel) -> Area:
        """The GraphQL view of an area row."""
        return from_row(cls, area, node_code=area.code)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Areas by code through the request's loader."""
        areas = await info.context.loaders.area.load_many(list(node_ids))
        return [None if area is None else cls.from_model(area) for area in areas]


@strawberry.type(name="AreaConnection")
class AreaConnection(CountedConnection[Area]):
    """A page of areas."""
