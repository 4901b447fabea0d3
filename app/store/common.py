"""Lookups every store module needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

M = TypeVar("M", bound=Any)


async def live_by_id(
    session: AsyncSession, model: type[M], ids: Sequence[uuid.UUID]
) -> list[M | None]:
    """The live (not soft-deleted) rows of `model` with these ids, in order, None where missing.

    Rows outside the session's scope are missing too: the caller cannot tell them apart.
    """
    rows = await session.scalars(select(model).where(model.id.in_(ids), model.deleted_at.is_(None)))
    found = {row.id: row for row in rows}
    return [found.get(row_id) for row_id in ids]
