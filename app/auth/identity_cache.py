"""Recently verified bearer tokens, so a caller's every request need not look up its account.

A token maps to the identity found for it, for `ttl` seconds at most: deactivating an account
or changing its role takes effect within that time (refreshing a login always checks).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from app.auth.identity import Identity


class IdentityCache:
    """Identities by bearer token, bounded in size and age."""

    def __init__(self, ttl: float, max_entries: int = 4096) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Identity]] = OrderedDict()

    def get(self, token: str) -> Identity | None:
        """The identity verified for `token` within the last `ttl` seconds."""
        entry = self._entries.get(token)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        self._entries.move_to_end(token)
        return entry[1]

    def put(self, token: str, identity: Identity) -> None:
        """Remember a verified identity."""
        self._entries[token] = (time.monotonic(), identity)
        self._entries.move_to_end(token)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
