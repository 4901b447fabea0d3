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
from authz.principal import principal_for
from authz.scope import Scope, compile_scope
from authz.session import ScopedSession, scoped_sessions


@dataclass(frozen=True)
class RequestScope:
    """What a request needs to read data as its caller."""

    scope: Scope
    sessions: async_sessionmaker[AsyncSession]


class ScopeCache:
    """Compiled scopes by caller, least recently used dropped first."""

    def __init__(
        self,
        engine: AsyncEngine,
        statement_timeout: float = 0,
        max_entries: int = 2048,
        *,
        session_class: type[ScopedSession] = ScopedSession,
    ) -> None:
        self._engine = engine
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
        entry = RequestScope(scope=scope, sessions=sessions)
        self._entries[key] = entry
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return entry
