"""Reading households."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Household
from app.store.common import live_by_id


async def households_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Household | None]:
    """The live household rows with these ids, in order, None where missing or out of scope."""
    return await live_by_id(session, Household, ids)
