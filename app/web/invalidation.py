"""Every process drops what a change made elsewhere has made stale, within a moment.

The database sends a notice on `shouhu_invalidate` when the policy or an account changes or
a login ends (the triggers of migrations 0032 and 0033, at commit): `policy`, `user:<id>`,
`family:<id>` (a refresh-token family revoked). Each process of the service listens on a
connection of its own and drops its enforcer (authz/policy_store.py), the account's or the
login's verified tokens (app/auth/identity_cache.py); compiled scopes follow, being keyed by
both. A notice is lost while the connection is down, so each (re)connection drops
everything first; the periodic policy reload and the identity cache's age limit stay as the
net beneath.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg

from app.auth.identity_cache import IdentityCache
from app.database import libpq_url
from authz.policy_store import PolicyStore

log = logging.getLogger(__name__)

CHANNEL = "shouhu_invalidate"
# A silent network may leave a dead connection looking alive: it is probed this often.
PROBE_SECONDS = 15.0
RECONNECT_SECONDS = 1.0


@dataclass
class Invalidation:
    """What a notice drops, in this process."""

    policies: PolicyStore
    identities: IdentityCache
    # Set while the process is listening (tests wait for it).
    listening: asyncio.Event = field(default_factory=asyncio.Event)

    def apply(self, notice: str) -> None:
        """Drop what one notice names (an unknown notice drops everything)."""
        kind, _, subject = notice.partition(":")
        subject_id = _uuid(subject)
        if kind == "policy":
            self.policies.expire()
        elif kind == "user" and subject_id is not None:
            self.identities.forget_user(subject_id)
        elif kind == "family" and subject_id is not None:
            self.identities.forget_family(subject_id)
        else:
            self.everything()

    def everything(self) -> None:
        """Drop every cache a notice could have named."""
        self.policies.expire()
        self.identities.clear()


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


@contextlib.asynccontextmanager
async def invalidations_heard(url: str, invalidation: Invalidation) -> AsyncIterator[None]:
    """While the context lasts, listen for notices on the database at `url`."""
    task = asyncio.create_task(_listen(libpq_url(url), invalidation), name="shouhu-invalidation")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _listen(dsn: str, invalidation: Invalidation) -> None:
    while True:
        try:
            await _listen_once(dsn, invalidation)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("invalidation notices interrupted", extra={"error": str(error)})
        invalidation.listening.clear()
        await asyncio.sleep(RECONNECT_SECONDS)


async def _listen_once(dsn: str, invalidation: Invalidation) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(
            CHANNEL, lambda _conn, _pid, _channel, notice: invalidation.apply(notice)
        )
        invalidation.everything()  # what changed while nobody listened
        invalidation.listening.set()
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), PROBE_SECONDS)
            if not lost.is_set():
                await conn.execute("SELECT 1")
    finally:
        if not conn.is_closed():
            await conn.close(timeout=2)
