"""One scoped session per request, shared by resolvers and loaders.

Strawberry resolves sibling fields concurrently and an AsyncSession allows one operation at
a time, so every use goes through a lock: statements run one after another, in one
transaction (one `set_config` for row-level security and the statement timeout), which is
what a request on one connection does anyway. A statement cancelled by the timeout becomes a
QueryTimeout, never a crash: a GraphQL error QUERY_TIMEOUT (schema/core/extensions.py), a 503
from a plain HTTP route.

GraphQL requests and the plain HTTP routes (app/web/integrations) alike run on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.database import is_timeout
from app.i18n import translate

T = TypeVar("T")


class QueryTimeout(Exception):
    """A statement of the request ran longer than SHOUHU_STATEMENT_TIMEOUT_SECONDS; the
    message is in the request's language."""

    code = "QUERY_TIMEOUT"

    def __init__(self) -> None:
        super().__init__(translate("the database took too long to answer: ask for less and retry"))


class RequestDatabase:
    """The database of one request, as its caller may see it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        report_sessions: Callable[[], Awaitable[async_sessionmaker[AsyncSession]]] | None = None,
    ) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._report_sessions = report_sessions
        self._report_session: AsyncSession | None = None
        self._lock = asyncio.Lock()

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The caller's sessions, for a statement run outside this request's session (the
        compiled read path's one statement: authz.session.fetch_scoped)."""
        return self._sessions

    def _current(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessions()
        return self._session

    async def read(self, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run a read on the request's session."""
        async with self._lock:
            return await _reading(self._current(), action)

    async def report(self, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run a report's read (statistics, a search) on the replica while it is fresh
        (app/replica.py), else as any read."""
        sessions = None if self._report_sessions is None else await self._report_sessions()
        if sessions is None or sessions is self._sessions:
            return await self.read(action)
        async with self._lock:
            if self._report_session is None:
                self._report_session = sessions()
            return await _reading(self._report_session, action)

    async def write(self, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `action` in a transaction of its own: committed if it returns, rolled back
        (nothing written) if it raises."""
        async with self._lock:
            session = self._current()
            if session.in_transaction():
                await session.rollback()  # end the read transaction; the write gets its own
            try:
                result = await action(session)
                await session.commit()
            except BaseException as error:
                await session.rollback()
                if is_timeout(error):
                    raise QueryTimeout from error
                raise
            return result

    async def close(self) -> None:
        """End the request's transaction (reads are rolled back) and return the connection."""
        async with self._lock:
            if self._session is not None:
                await self._session.close()
                self._session = None
            if self._report_session is not None:
                await self._report_session.close()
                self._report_session = None


async def _reading(session: AsyncSession, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
    try:
        return await action(session)
    except DBAPIError as error:
        if not is_timeout(error):
            raise
        # The transaction is aborted: the request's other reads start a new one.
        await session.rollback()
        raise QueryTimeout from error
