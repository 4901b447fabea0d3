"""Root fields about households."""

from __future__ import annotations

import strawberry

from app.store.households import count_households, list_households
from app.store.search import Search, count_search_households, search_households
from authz.fields import household_search_rule
from schema.context import Info
from schema.core.pagination import (
    CountedConnection,
    connection,
    decode_keyed_cursor,
    decode_search_cursor,
    search_cursor_key,
)
from schema.households.types import Household


@strawberry.type(name="HouseholdConnection")
class HouseholdConnection(CountedConnection[Household]):
    """A page of households."""


@strawberry.input(description="What to narrow a list of households to.")
class HouseholdFilter:
    search: str | None = strawberry.field(
        default=None,
        description="A parent's or child's name (part of it, simplified or traditional, pinyin "
        "or initials), or a phone number or its last 4-6 digits; best match first.",
    )


@strawberry.type
class HouseholdQuery:
    @strawberry.field(description="Households the caller may see, by area.")
    async def households(
        self,
        info: Info,
        area_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
        filter: HouseholdFilter | None = None,
    ) -> HouseholdConnection:
        if filter is not None and filter.search is not None:
            search = Search.of(
                filter.search, household_search_rule(info.context.scope), info.context.scope
            )
            return await connection(
                info, HouseholdConnection, first=first, after=after, cursor=decode_search_cursor,
                rows=lambda s, key, limit: search_households(
                    s, search, area_prefix=area_code, after=key, limit=limit
                ),
                count=lambda s: count_search_households(s, search, area_prefix=area_code),
                key=search_cursor_key, node=lambda found: Household.from_model(found[0]),
                report=True,
            )  # fmt: skip
        return await connection(
            info, HouseholdConnection, first=first, after=after, cursor=decode_keyed_cursor,
            rows=lambda s, key, limit: list_households(
                s, area_prefix=area_code, after=key, limit=limit
            ),
            count=lambda s: count_households(s, area_prefix=area_code),
            key=lambda h: f"{h.area_code}|{h.id}", node=Household.from_model,
        )  # fmt: skip
