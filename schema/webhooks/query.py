"""`webhookSubscribers`: the partner systems of the counties where the caller manages
webhooks."""

from __future__ import annotations

import strawberry

from app.store.webhooks import count_subscribers, list_subscribers
from schema.context import Info
from schema.core.pagination import connection, decode_timed_cursor
from schema.webhooks.types import WebhookSubscriber, WebhookSubscriberConnection


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="The webhook subscribers of the counties where you manage webhooks "
        "(county bureaus, administrators), latest first; empty for everyone else."
    )
    async def webhook_subscribers(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> WebhookSubscriberConnection:
        return await connection(
            info, WebhookSubscriberConnection, first=first, after=after,
            cursor=decode_timed_cursor,
            rows=lambda s, key, limit: list_subscribers(s, after=key, limit=limit),
            count=count_subscribers,
            key=lambda r: f"{r.created_at.isoformat()}|{r.id}",
            node=WebhookSubscriber.from_model,
        )  # fmt: skip
