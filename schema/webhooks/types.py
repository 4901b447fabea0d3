"""GraphQL types of webhook subscribers: a county's partner systems (never their secrets)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from app.enums import OutboxEventKind
from app.models import WebhookSubscriber as SubscriberModel
from app.store.webhooks import subscribers_by_id
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row, read_nodes
from schema.core.pagination import CountedConnection

register_enums()


@strawberry.type(
    description="A partner system a county sends its events to as signed webhooks (an SMS "
    "gateway, the 12355 hotline, a police intake system): the events of the county's "
    "villages, of the kinds it asked for. Its secret is shown once, at registration."
)
class WebhookSubscriber(relay.Node):
    id: relay.NodeID[str]
    area_code: str = strawberry.field(description="The county whose events it is sent.")
    name: str
    url: str = strawberry.field(description="Where events are POSTed.")
    kinds: list[OutboxEventKind] = strawberry.field(
        description="The kinds of events it is sent; empty: all of them."
    )
    active: bool
    created_at: datetime
    deactivated_at: datetime | None

    @classmethod
    def from_model(cls, row: SubscriberModel) -> WebhookSubscriber:
        """The GraphQL view of a subscriber row."""
        return from_row(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Subscribers by id, those the caller manages only."""
        return await read_nodes(info, node_ids, subscribers_by_id, cls.from_model)


@strawberry.type
class WebhookSubscriberConnection(CountedConnection[WebhookSubscriber]):
    pass
