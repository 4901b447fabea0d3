"""What every `shouhu` subcommand uses: the console and a database engine for one run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.database import create_engine, database_url, direct_url, session_factory
from app.models import User
from app.services.statistics.refresh import StatisticsSession
from app.settings import get_settings

# Messages go to stderr, so stdout carries only what a command outputs (a token, a key).
console = Console(stderr=True)
T = TypeVar("T")


def with_engine(action: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `action` on the configured database (the embedded one when DATABASE_URL is unset),
    past any pooler (DIRECT_DATABASE_URL): commands take session locks and run migrations."""

    async def run(url: str) -> T:
        engine = create_engine(url, pool_size=2)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    settings = get_settings()
    with database_url(settings) as url:
        return asyncio.run(run(direct_url(url, settings)))


class CommandRefused(Exception):
    """A command cannot do what was asked; the message says why (exit code 2)."""


def in_transaction(action: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `action` in one transaction on the configured database; exit 2 when it refuses."""

    async def run(engine: AsyncEngine) -> T:
        async with session_factory(engine, StatisticsSession)() as session, session.begin():
            return await action(session)

    try:
        return with_engine(run)
    except CommandRefused as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(2) from exc


async def active_user(session: AsyncSession, username: str) -> User:
    """The user named, refused when there is none or it is disabled."""
    user = await session.scalar(
        select(User).where(User.username == username, User.deleted_at.is_(None))
    )
    if user is None:
        raise CommandRefused(f"no user named {username!r}")
    if not user.is_active:
        raise CommandRefused(f"user {username!r} is disabled")
    return user
