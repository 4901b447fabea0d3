"""Root fields about households."""

from __future__ import annotations

import strawberry

from app.store.households import count_households, list_households
from schema.context import Info
from schema.core.pagination import CountedConnection, connection, decode_keyed_cursor
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
        return await connection(
            info, HouseholdConnection, first=first, after=after, cursor=decode_keyed_cursor,
            rows=lambda s, key, limit: list_households(
                s, area_prefix=area_code, after=key, limit=limit
            ),
            count=lambda s: count_households(s, area_prefix=area_code),
            key=lambda h: f"{h.area_code}|{h.id}", node=Household.from_model,
        )  # fmt: skip
