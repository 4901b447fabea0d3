"""A request's scope and scoped sessions, compiled once per caller and reused.

Compiling a scope and its predicates costs about a millisecond of Python; callers repeat
themselves (a field worker's app sends the same few operations), so the result is kept per
(identity, policy generation, day) in a bounded cache.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import casbin
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.auth.identity import Identity
from app.replica import Replica
from authz.principal import principal_for
from authz.scope import Scope, compile_scope
from authz.session import ScopedSession, scoped_sessions


@dataclass(frozen=True)
class RequestScope:
    """What a request needs to read data as its caller."""

    scope: Scope
    sessions: async_sessionmaker[AsyncSession]
    # The caller's sessions on the replica (app/replica.py), if the service has one.
    replica_sessions: async_sessionmaker[AsyncSession] | None = None
    replica: Replica | None = None

    async def report_sessions(self) -> async_sessionmaker[AsyncSession]:
        """The caller's sessions for a report: the replica's while it is fresh, else the
        primary's. Never for a write."""
        replica, sessions = self.replica, self.replica_sessions
        if replica is not None and sessions is not None and await replica.fresh():
            return sessions
        return self.sessions


class ScopeCache:
    """Compiled scopes by caller, least recently used dropped first."""

    def __init__(
        self,
        engine: AsyncEngine,
        statement_timeout: float = 0,
        max_entries: int = 2048,
        *,
        session_class: type[ScopedSession] = ScopedSession,
        replica: Replica | None = None,
    ) -> None:
        self._engine = engine
        self._replica = replica
        self._session_class = session_class
        self._statement_timeout = statement_timeout
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[object, ...], RequestScope] = OrderedDict()

    def get(
        self, identity: Identity | None, enforcer: casbin.Enforcer, generation: int, today: date
    ) -> RequestScope:
        """The scope of `identity` under the current policy, compiled if not cached."""
        key = (identity, generation, today)
        cached = self._entries.get(key)
        if cached is not None:
            self._entries.move_to_end(key)
            return cached
        scope = compile_scope(principal_for(identity, enforcer), enforcer)
        sessions = scoped_sessions(
            self._engine, scope, today, self._statement_timeout, session_class=self._session_class
        )
        replica_sessions = None
        if self._replica is not None:
            replica_sessions = scoped_sessions(
                self._replica.engine, scope, today, self._statement_timeout,
                session_class=self._session_class,
            )  # fmt: skip
        entry = RequestScope(scope, sessions, replica_sessions, self._replica)
        self._entries[key] = entry
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return entry
