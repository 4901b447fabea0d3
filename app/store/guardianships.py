"""Reading guardianships."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import GuardianshipStatus
from app.models import Guardianship


async def active_guardians(
    session: AsyncSession, child_ids: Sequence[uuid.UUID]
) -> list[Guardianship | None]:
    """Each child's active entrusted guardianship, None where there is none."""
    found = {
        g.child_id: g
        for g in await session.scalars(
            select(Guardianship).where(
                Guardianship.child_id.in_(child_ids),
                Guardianship.status == GuardianshipStatus.ACTIVE,
                Guardianship.deleted_at.is_(None),
            )
        )
    }
    return [found.get(child_id) for child_id in child_ids]


async def guardianships_by_child(
    session: AsyncSession, child_ids: Sequence[uuid.UUID]
) -> list[list[Guardianship]]:
    """Each child's guardianships, newest first: its guardian history."""
    grouped: dict[uuid.UUID, list[Guardianship]] = defaultdict(list)
    rows = await session.scalars(
        select(Guardianship)
        .where(Guardianship.child_id.in_(child_ids), Guardianship.deleted_at.is_(None))
        .order_by(Guardianship.starts_on.desc(), Guardianship.id)
    )
    for guardianship in rows:
        grouped[guardianship.child_id].append(guardianship)
    return [grouped[child_id] for child_id in child_ids]
