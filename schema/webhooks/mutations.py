"""Registering and deactivating webhook subscribers."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay

from app.enums import OutboxEventKind
from app.models import WebhookSubscriber as SubscriberModel
from app.services.webhooks import subscribers
from app.services.webhooks.subscribers import Registered
from schema.context import Info
from schema.core.errors import UserError
from schema.core.mutations import run_mutation
from schema.core.payloads import changes_of, maybe, uuid_of
from schema.webhooks.types import WebhookSubscriber


@strawberry.input
class RegisterWebhookSubscriberInput:
    area_code: str = strawberry.field(description="The county (6 digits) whose events it gets.")
    name: str = strawberry.field(description="What the receiver is, e.g. 12355 热线.")
    url: str = strawberry.field(description="Where events are POSTed (http:// or https://).")
    kinds: list[OutboxEventKind] = strawberry.field(
        default_factory=list, description="Only events of these kinds; empty: all of them."
    )


@strawberry.input
class DeactivateWebhookSubscriberInput:
    webhook_subscriber_id: relay.GlobalID


@strawberry.type
class RegisterWebhookSubscriberPayload:
    subscriber: WebhookSubscriber | None
    secret: str | None = strawberry.field(
        description="The signing secret (HMAC-SHA256, see docs/integrations.md): shown in "
        "this answer only, never again."
    )
    errors: list[UserError]


@strawberry.type
class WebhookSubscriberPayload:
    subscriber: WebhookSubscriber | None
    errors: list[UserError]


def _subscriber_records(subscriber: SubscriberModel) -> list[str]:
    return [f"WebhookSubscriber:{subscriber.id}"]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Register a partner system to be sent the county's events as signed "
        "webhooks; the answer carries its secret, once."
    )
    async def register_webhook_subscriber(
        self, info: Info, input: RegisterWebhookSubscriberInput
    ) -> RegisterWebhookSubscriberPayload:
        changes = changes_of(input)
        outcome = await run_mutation(
            info,
            lambda s, actor: subscribers.register_subscriber(s, actor, changes),
            lambda registered: _subscriber_records(registered.subscriber),
        )
        registered: Registered | None = outcome.result
        return RegisterWebhookSubscriberPayload(
            subscriber=None if registered is None else WebhookSubscriber.from_model(
                registered.subscriber
            ),
            secret=None if registered is None else registered.secret,
            errors=outcome.errors,
        )  # fmt: skip

    @strawberry.mutation(description="Stop sending events to a subscriber.")
    async def deactivate_webhook_subscriber(
        self, info: Info, input: DeactivateWebhookSubscriberInput
    ) -> WebhookSubscriberPayload:
        target = uuid_of(input.webhook_subscriber_id, "WebhookSubscriber") or uuid.UUID(int=0)
        outcome = await run_mutation(
            info,
            lambda s, actor: subscribers.deactivate_subscriber(s, actor, target),
            _subscriber_records,
        )
        return WebhookSubscriberPayload(
            subscriber=maybe(outcome.result, WebhookSubscriber.from_model), errors=outcome.errors
        )
