"""Root fields about households."""

from __future__ import annotations

import strawberry

from app.store.households import count_households, list_households
from schema.context import Info
from schema.core.pagination import CountedConnection, build_page, decode_keyed_cursor, page_size
from schema.households.types import Household


@strawberry.type(name="HouseholdConnection")
class HouseholdConnection(CountedConnection[Household]):
    """A page of households."""


@strawberry.type
class HouseholdQuery:
    @strawberry.field(description="Households the caller may see, by area.")
    async def households(
        self,
        info: Info,
        area_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> HouseholdConnection:
        size = page_size(first)
        key = decode_keyed_cursor(after)
        rows = await info.context.db.read(
            lambda s: list_households(s, area_prefix=area_code, after=key, limit=size + 1)
        )
        edges, page_info = build_page(
            rows, size, lambda h: f"{h.area_code}|{h.id}", Household.from_model
        )
        return HouseholdConnection(
            edges=edges,
            page_info=page_info,
            counter=lambda: info.context.db.read(
                lambda s: count_households(s, area_prefix=area_code)
            ),
        )
