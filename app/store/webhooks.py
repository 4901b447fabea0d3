"""Reading webhook subscribers: a county's, for the API (scoped: authz/predicates.py), and
every county's with their deliveries, for the operator (`shouhu webhooks list`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import WebhookDeliveryStatus
from app.models import WebhookDelivery, WebhookSubscriber


async def list_subscribers(
    session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[WebhookSubscriber]:
    """The subscribers the caller manages, latest first."""
    query = select(WebhookSubscriber)
    if after is not None:
        query = query.where(
            tuple_(WebhookSubscriber.created_at, WebhookSubscriber.id) < tuple_(*after)
        )
    query = query.order_by(WebhookSubscriber.created_at.desc(), WebhookSubscriber.id.desc())
    return list(await session.scalars(query.limit(limit)))


async def subscribers_by_id(session: AsyncSession, ids: list[uuid.UUID]) -> list[WebhookSubscriber]:
    """The subscribers with these ids that the caller manages."""
    return list(
        await session.scalars(select(WebhookSubscriber).where(WebhookSubscriber.id.in_(ids)))
    )


async def count_subscribers(session: AsyncSession) -> int:
    """How many subscribers the caller manages."""
    return await session.scalar(select(func.count()).select_from(WebhookSubscriber)) or 0


async def subscribers_with_deliveries(
    session: AsyncSession, county: str | None
) -> list[tuple[WebhookSubscriber, dict[WebhookDeliveryStatus, int]]]:
    """Every subscriber (of one county if given) with its deliveries counted by status."""
    counts = {
        status: func.count(case((WebhookDelivery.status == status, 1)))
        for status in WebhookDeliveryStatus
    }
    query = (
        select(WebhookSubscriber, *counts.values())
        .outerjoin(WebhookDelivery, WebhookDelivery.subscriber_id == WebhookSubscriber.id)
        .group_by(WebhookSubscriber.id)
        .order_by(WebhookSubscriber.area_code, WebhookSubscriber.created_at)
    )
    if county is not None:
        query = query.where(WebhookSubscriber.area_code == county)
    return [
        (row[0], dict(zip(counts, row[1:], strict=True))) for row in await session.execute(query)
    ]
