"""Reading children."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Child


async def children_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Child | None]:
    """The live (not soft-deleted) children with these ids, in order, None where missing."""
    found = {
        child.id: child
        for child in await session.scalars(
            select(Child).where(Child.id.in_(ids), Child.deleted_at.is_(None))
        )
    }
    return [found.get(child_id) for child_id in ids]
