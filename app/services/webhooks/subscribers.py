"""Registering and deactivating a county's webhook subscribers (`webhook manage`).

The signing secret is made here, shown once in the answer to the registration and stored
sealed with the service's key ring (app/idcrypto.py), bound to its column: the worker opens
it to sign, nobody reads it back. Rotating the ID-number keys must keep the key that sealed
a subscriber's secret in the ring (or register the subscriber again).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from app import idcrypto
from app.domain.validation import Problem, check_length, check_required, problems
from app.enums import AreaLevel, OutboxEventKind
from app.errors import DomainError, not_found, raise_problems, refuse
from app.models import Area, WebhookSubscriber
from app.services.common import Actor, Changes, merge_create
from authz.guard import require

NAME_MAX = 200
URL_MAX = 2000
# The column a secret is sealed for (a sealed value opens only in its own column).
SECRET_COLUMN = "webhook_subscribers.secret_enc"


@dataclass(frozen=True)
class SubscriberData:
    """A subscriber as the county registers it."""

    area_code: str
    name: str
    url: str
    # The kinds of events it is sent; empty: all of them.
    kinds: list[OutboxEventKind] = field(default_factory=list)


@dataclass(frozen=True)
class Registered:
    """A new subscriber and its signing secret (in this answer only)."""

    subscriber: WebhookSubscriber
    secret: str


def _url_problem(url: str) -> Problem | None:
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.hostname:
        return None
    return Problem("INVALID_URL", "url", "an address starting with http:// or https://")


def reveal_secret(subscriber_secret: bytes) -> str:
    """The plaintext of a stored secret (for signing only)."""
    return idcrypto.unseal(subscriber_secret, SECRET_COLUMN)


async def _validated(session: AsyncSession, changes: Changes) -> SubscriberData:
    """The subscriber sent, checked: a name, an http(s) address, a county on file."""
    data, found = merge_create(SubscriberData, changes)
    if data is None:
        raise DomainError(found)
    raise_problems(
        found
        + problems(
            check_required(data.name, "name"),
            check_length(data.name, "name", NAME_MAX),
            check_length(data.url, "url", URL_MAX),
            _url_problem(data.url),
        )
    )
    area = await session.get(Area, data.area_code)
    if area is None or area.level is not AreaLevel.COUNTY:
        raise refuse(
            "INVALID_AREA", "areaCode", "not a {level} on file", {"level": AreaLevel.COUNTY}
        )
    return data


async def _create(
    session: AsyncSession, data: SubscriberData, created_by: uuid.UUID | None, now: datetime
) -> Registered:
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscriber = WebhookSubscriber(
        id=uuid.uuid4(),
        area_code=data.area_code,
        name=data.name.strip(),
        url=data.url.strip(),
        secret_enc=idcrypto.key_ring().seal(secret, SECRET_COLUMN),
        kinds=sorted(set(data.kinds), key=list(OutboxEventKind).index),
        active=True,
        created_by_id=created_by,
        created_at=now,
    )
    session.add(subscriber)
    await session.flush()
    return Registered(subscriber, secret)


async def register_subscriber(session: AsyncSession, actor: Actor, changes: Changes) -> Registered:
    """A county's new receiver of its events, with a new signing secret."""
    data = await _validated(session, changes)
    require(actor.scope, "webhook", "manage", data.area_code, field="areaCode")
    return await _create(session, data, actor.user_id, actor.now)


async def add_subscriber(session: AsyncSession, changes: Changes, now: datetime) -> Registered:
    """The same registration by the operator of the database (`shouhu webhooks add`), who
    needs no permission."""
    return await _create(session, await _validated(session, changes), None, now)


async def deactivate_subscriber(
    session: AsyncSession, actor: Actor, subscriber_id: uuid.UUID
) -> WebhookSubscriber:
    """Stop sending events to a subscriber (its pending deliveries wait; nothing new is
    made for it). Deactivating an inactive subscriber changes nothing."""
    subscriber = await session.get(WebhookSubscriber, subscriber_id)
    if subscriber is None:
        raise not_found("webhookSubscriberId", "webhook subscriber")
    require(actor.scope, "webhook", "manage", subscriber.area_code, field="webhookSubscriberId")
    if subscriber.active:
        subscriber.active = False
        subscriber.deactivated_at = actor.now
        await session.flush()
    return subscriber
