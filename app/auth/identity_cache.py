"""Recently verified bearer tokens, so a caller's every request need not look up its account.

A token maps to the identity found for it, for `ttl` seconds at most: deactivating an account
or changing its role drops its entries at once in every process that hears the database's
notice (app/web/invalidation.py), within `ttl` in any case (refreshing a login always checks). An
entry never outlives its token: past the token's `exp` (on the service's clock) it is gone,
to the second, as if the token had been checked again.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from datetime import datetime

from app import clock
from app.auth.identity import Identity


class IdentityCache:
    """Identities by bearer token, bounded in size and age."""

    def __init__(self, ttl: float, max_entries: int = 4096) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        # token → (when verified, on the monotonic clock; the token's exp; its identity; its
        # login's refresh-token family)
        self._entries: OrderedDict[str, tuple[float, datetime, Identity, uuid.UUID | None]] = (
            OrderedDict()
        )

    def get(self, token: str) -> Identity | None:
        """The identity verified for `token` within the last `ttl` seconds, unless the token
        has expired since."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        verified, expires_at, identity, _ = entry
        if time.monotonic() - verified > self._ttl or clock.now() >= expires_at:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return identity

    def put(
        self,
        token: str,
        identity: Identity,
        expires_at: datetime,
        family_id: uuid.UUID | None = None,
    ) -> None:
        """Remember a verified identity until `expires_at` (the token's exp) at the latest;
        `family_id` is the token's login, whose end drops it (forget_family)."""
        self._entries[token] = (time.monotonic(), expires_at, identity, family_id)
        self._entries.move_to_end(token)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def forget_user(self, user_id: uuid.UUID) -> None:
        """Drop every entry of one account (its row changed)."""
        stale = [token for token, entry in self._entries.items() if entry[2].user_id == user_id]
        for token in stale:
            del self._entries[token]

    def forget_family(self, family_id: uuid.UUID) -> None:
        """Drop every token of one login (its refresh tokens were revoked)."""
        stale = [token for token, entry in self._entries.items() if entry[3] == family_id]
        for token in stale:
            del self._entries[token]

    def clear(self) -> None:
        """Drop every entry."""
        self._entries.clear()
