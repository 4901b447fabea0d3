"""Reading organizations: the directory staff refer cases to (bounded by the rule authz
gives), and organizations by id (the names of receivers, actors and places: not child data)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import OrganizationKind
from app.models import Organization


def _directory(
    visible: ColumnElement[bool], kind: OrganizationKind | None, area_code: str | None
) -> list[ColumnElement[bool]]:
    terms = [visible]
    if kind is not None:
        terms.append(Organization.kind == kind)
    if area_code:
        # Placed in the area, or in an area containing it: the bodies that serve it.
        enclosing = [area_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(area_code)]
        terms.append(
            or_(Organization.area_code.in_(enclosing), Organization.area_code.startswith(area_code))
        )
    return terms


async def list_organizations(
    session: AsyncSession,
    visible: ColumnElement[bool],
    *,
    kind: OrganizationKind | None,
    area_code: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Organization]:
    """Organizations the `visible` rule (authz.predicates.organization_directory) admits, by
    area code (province first, then down) and id."""
    query = (
        select(Organization)
        .where(*_directory(visible, kind, area_code))
        .order_by(Organization.area_code, Organization.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Organization.area_code, Organization.id) > tuple_(*after))
    return list(await session.scalars(query))


async def count_organizations(
    session: AsyncSession,
    visible: ColumnElement[bool],
    *,
    kind: OrganizationKind | None,
    area_code: str | None,
) -> int:
    """How many organizations the rule admits."""
    query = (
        select(func.count()).select_from(Organization).where(*_directory(visible, kind, area_code))
    )
    return await session.scalar(query) or 0


async def organizations_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Organization | None]:
    """Organizations by id, in order (names of referral receivers: not child data)."""
    rows = await session.scalars(select(Organization).where(Organization.id.in_(ids)))
    found = {row.id: row for row in rows}
    return [found.get(i) for i in ids]
