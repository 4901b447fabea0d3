"""`shouhu webhooks` (a county's partner systems and what was sent to them) and
`shouhu worker` (the delivery worker on its own)."""

from __future__ import annotations

import asyncio
import signal
import uuid
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import clock
from app.cli.common import CommandRefused, console, in_transaction, with_engine
from app.enums import OutboxEventKind, WebhookDeliveryStatus
from app.errors import DomainError
from app.models import WebhookSubscriber
from app.services.webhooks.delivery import (
    Replay,
    deliver_due,
    delivery_client,
    replay,
    run_worker,
)
from app.services.webhooks.subscribers import add_subscriber
from app.settings import get_settings
from app.store.webhooks import subscribers_with_deliveries

webhooks_cli = typer.Typer(
    help="Partner systems a county sends its events to (signed webhooks).", no_args_is_help=True
)


@webhooks_cli.command("add")
def add_command(
    county: Annotated[str, typer.Option(help="6-digit county code, e.g. 420702.")],
    name: Annotated[str, typer.Option(help="What the receiver is, e.g. 12355 热线.")],
    url: Annotated[str, typer.Option(help="Where events are POSTed (http:// or https://).")],
    kind: Annotated[
        list[OutboxEventKind] | None, typer.Option(help="Only events of this kind; repeat.")
    ] = None,
) -> None:
    """Register a receiver of the county's events; prints its signing secret (once)."""

    async def run(session: AsyncSession) -> tuple[WebhookSubscriber, str]:
        changes = {"area_code": county, "name": name, "url": url, "kinds": kind or []}
        try:
            registered = await add_subscriber(session, changes, clock.now())
        except DomainError as exc:
            raise CommandRefused(
                "; ".join(f"{p.field}: {p.render()}" for p in exc.problems)
            ) from exc
        return registered.subscriber, registered.secret

    subscriber, secret = in_transaction(run)
    typer.echo(secret)
    console.print(
        f"subscriber {subscriber.id} for {subscriber.area_code}. This is the only time the "
        "secret is shown: give it to the receiver now.",
        markup=False,
        highlight=False,
    )


@webhooks_cli.command("list")
def list_command(
    county: Annotated[str | None, typer.Option(help="Only this county's.")] = None,
) -> None:
    """List subscribers (never their secrets) with their deliveries by status."""

    async def run(
        session: AsyncSession,
    ) -> list[tuple[WebhookSubscriber, dict[WebhookDeliveryStatus, int]]]:
        return await subscribers_with_deliveries(session, county)

    rows = in_transaction(run)
    table = Table("id", "county", "name", "url", "kinds", "active", *WebhookDeliveryStatus)
    for subscriber, counts in rows:
        table.add_row(
            str(subscriber.id), subscriber.area_code, subscriber.name, subscriber.url,
            ",".join(subscriber.kinds) or "all", "yes" if subscriber.active else "no",
            *(str(counts[status]) for status in WebhookDeliveryStatus),
        )  # fmt: skip
    Console(width=200).print(table)
    console.print(f"{len(rows)} subscriber(s)")


def _parse_id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{what} takes a UUID") from exc


@webhooks_cli.command("replay")
def replay_command(
    subscriber: Annotated[str, typer.Option(help="The subscriber's id.")],
    event: Annotated[str | None, typer.Option(help="One event's id.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Events from this moment on (ISO 8601, with offset).")
    ] = None,
    dead: Annotated[bool, typer.Option(help="Deliveries that failed for good.")] = False,
) -> None:
    """Send a subscriber events again: one, those since a moment, or the dead letters (all
    the conditions given). Receivers de-duplicate on the event id."""
    if event is None and since is None and not dead:
        raise typer.BadParameter("give --event ID, --since TIME or --dead")
    if since is not None and since.tzinfo is None:
        raise typer.BadParameter("--since needs a UTC offset, e.g. 2026-11-23T10:00:00+08:00")
    what = Replay(
        subscriber_id=_parse_id(subscriber, "--subscriber"),
        event_id=None if event is None else _parse_id(event, "--event"),
        since=since,
        dead=dead,
    )

    async def run(session: AsyncSession) -> int:
        if await session.get(WebhookSubscriber, what.subscriber_id) is None:
            raise CommandRefused(f"no subscriber {subscriber}")
        return await replay(await session.connection(), what, clock.now())

    queued = in_transaction(run)
    console.print(f"{queued} deliver(ies) queued again")


def worker_command(
    once: Annotated[bool, typer.Option(help="One round, then exit (for cron or checks).")] = False,
) -> None:
    """Deliver the outbox's events to the subscribers until stopped (SIGINT or SIGTERM).
    Safe to run beside `shouhu serve` and in several copies."""
    settings = get_settings()

    async def run(engine: AsyncEngine) -> None:
        if once:
            async with delivery_client(settings) as client:
                handled = await deliver_due(engine, client, settings)
            console.print(f"{handled} event(s) and deliver(ies) handled")
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        console.print("delivering webhooks (Ctrl-C to stop)")
        await run_worker(engine, settings, stop)

    with_engine(run)
