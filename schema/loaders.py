"""Per-request DataLoaders: one query per batch of keys, whatever the shape of the request."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from app.models import Area, Case, Child, Household
from app.store.areas import areas_by_code
from app.store.cases import cases_by_id
from app.store.children import children_by_household, children_by_id
from app.store.households import households_by_id

K = TypeVar("K")
V = TypeVar("V")


def _batched(
    sessions: async_sessionmaker[AsyncSession],
    fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[list[V]]],
) -> DataLoader[K, V]:
    # Each batch gets its own session: loaders of sibling fields run concurrently, and one
    # AsyncSession does not allow concurrent operations.
    async def load(keys: list[K]) -> list[V]:
        async with sessions() as session:
            return await fetch(session, keys)

    return DataLoader(load_fn=load)


@dataclass(frozen=True)
class Loaders:
    """The loaders of one request, reading through the caller's scoped sessions."""

    area: DataLoader[str, Area | None]
    child: DataLoader[uuid.UUID, Child | None]
    household: DataLoader[uuid.UUID, Household | None]
    household_children: DataLoader[uuid.UUID, list[Child]]
    case: DataLoader[uuid.UUID, Case | None]

    @classmethod
    def create(cls, sessions: async_sessionmaker[AsyncSession]) -> Loaders:
        """Fresh loaders (and so fresh caches) for a request."""
        return cls(
            area=_batched(sessions, areas_by_code),
            child=_batched(sessions, children_by_id),
            household=_batched(sessions, households_by_id),
            household_children=_batched(sessions, children_by_household),
            case=_batched(sessions, cases_by_id),
        )
