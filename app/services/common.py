"""What every write service needs: who acts, the time, idempotent creates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.errors import refuse
from authz.scope import Scope

M = TypeVar("M")


@dataclass(frozen=True)
class Actor:
    """Who writes, with what they may do, and when."""

    scope: Scope
    now: datetime

    @property
    def user_id(self) -> uuid.UUID | None:
        """The acting account (None for an integration's key)."""
        return self.scope.principal.user_id

    @property
    def organization_id(self) -> uuid.UUID | None:
        """The organization the actor acts for (a key's own; None for some accounts)."""
        return self.scope.principal.organization_id

    @property
    def today(self) -> date:
        """The day of the write, in the service's time zone."""
        return clock.local_day(self.now)


async def existing_create(
    session: AsyncSession, model: type[M], record_id: uuid.UUID | None, values: dict[str, Any]
) -> M | None:
    """For a create with a client-generated id: the row already made by an earlier attempt
    with the same content (a retry: nothing to write), None if there is none yet, and
    IDEMPOTENCY_CONFLICT if the id was used for different content."""
    if record_id is None:
        return None
    row = await session.get(model, record_id)
    if row is None:
        return None
    if any(getattr(row, key) != value for key, value in values.items()):
        raise refuse("IDEMPOTENCY_CONFLICT", "id", "this id was already used for other content")
    return row
