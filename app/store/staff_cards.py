"""Reading staff cards: who made a record (a visit, a case's step, a child's file), as a
person's public card shows it: their name, role and organization. Read whatever the
caller's scope (users have no row-level security): a card is only ever shown as a field of
a record the caller can already see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Organization, User


@dataclass(frozen=True)
class StaffCardRow:
    """A person's account and the organization they work for (None: none on file)."""

    user: User
    organization: Organization | None


async def staff_cards_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[StaffCardRow | None]:
    """The cards of these accounts, in order, in one statement (each with its organization);
    deleted and inactive accounts too: a record names who made it, even one who has left."""
    query = (
        select(User, Organization)
        .outerjoin(Organization, Organization.id == User.organization_id)
        .where(User.id.in_(ids))
    )
    found = {user.id: StaffCardRow(user, org) for user, org in (await session.execute(query)).all()}
    return [found.get(user_id) for user_id in ids]
