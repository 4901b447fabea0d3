"""Sessions that carry a scope: every ORM query is filtered and every transaction sets RLS.

This is the one place authorization is applied to data: a resolver or store function asks
for rows as usual and gets only those the caller may see. A session without a scope sees
nothing (fail closed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import event, false, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, with_loader_criteria
from sqlalchemy.sql.base import Executable

from app.database import is_timeout, raw_connection, sql_literal
from app.observability.sql import Statement
from app.request_database import QueryTimeout
from authz.predicates import SCOPED_MODELS, criteria
from authz.scope import Scope

S = TypeVar("S", bound=Executable)
CRITERIA_KEY = "shouhu.criteria"
# Set by a query that lists children (see app/store/children.py) rather than looks them up.
LISTING_OPTION = "shouhu_listing"
# Set on the statements of app/services/derivation.py only. They re-derive the stored facts
# of children the caller has just written to (a visit, say) and so read those children's
# whole files: parents, active guardian, every visit, which an NGO may not read itself.
# Nothing so read is returned to the caller; row-level security still bounds it.
DERIVATION_OPTION = "shouhu_derivation"
# Set on the statements of a move that a request granted (app/services/children.py), inside
# `granted_move`: the accepting side receives a file it could not see before.
GRANTED_MOVE_OPTION = "shouhu_granted_move"
RLS_KEY = "shouhu.rls_scope"
# The PostgreSQL setting the row-level-security policies read (see migration 0003).
RLS_SETTING = "shouhu.scope"
TIMEOUT_KEY = "shouhu.statement_timeout"


class ScopedSession(Session):
    """The synchronous session class behind scoped AsyncSessions (events attach to it)."""


_DENY_ALL = [with_loader_criteria(model, false(), include_aliases=True) for model in SCOPED_MODELS]


@event.listens_for(ScopedSession, "do_orm_execute")
def _apply_scope(state: ORMExecuteState) -> None:
    if state.execution_options.get(DERIVATION_OPTION, False) or state.execution_options.get(
        GRANTED_MOVE_OPTION, False
    ):
        return
    if state.is_select or state.is_update or state.is_delete:
        listing = bool(state.execution_options.get(LISTING_OPTION, False))
        state.statement = scoped_statement(state.session, state.statement, listing=listing)


def scoped_statement(session: Session | AsyncSession, statement: S, *, listing: bool) -> S:
    """`statement` with the session's read predicates on every entity in it: what every ORM
    statement of the session gets; the compiled read path (schema/compiler), which compiles
    its statements itself, applies them here too. No scope: nothing is readable."""
    by_purpose = session.info.get(CRITERIA_KEY)
    options = _DENY_ALL if by_purpose is None else by_purpose[listing]
    return statement.options(*options)


@event.listens_for(ScopedSession, "after_begin")
def _set_rls_scope(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    # set_config(..., true) is SET LOCAL: it ends with the transaction, so a pooled
    # connection never carries one caller's scope (or time limit) into another's request.
    # One statement for both: a round trip per transaction is the cost of this.
    values = {"name": RLS_SETTING, "value": session.info.get(RLS_KEY, "")}
    timeout = session.info.get(TIMEOUT_KEY)
    if timeout is None:
        connection.execute(text("SELECT set_config(:name, :value, true)"), values)
    else:
        connection.execute(
            text(
                "SELECT set_config(:name, :value, true), "
                "set_config('statement_timeout', :timeout, true)"
            ),
            {**values, "timeout": timeout},
        )


def _settings_sql(info: dict[str, Any]) -> str:
    """The `set_config` calls of `_set_rls_scope` as one statement with its values written
    in (a simple-protocol message takes no parameters)."""
    calls = [f"set_config({sql_literal(RLS_SETTING)}, {sql_literal(info.get(RLS_KEY, ''))}, true)"]
    timeout = info.get(TIMEOUT_KEY)
    if timeout is not None:
        calls.append(f"set_config('statement_timeout', {sql_literal(timeout)}, true)")
    return "SELECT " + ", ".join(calls)


# How the scope's settings appear in traces: their values (the caller's areas) stay out.
_SCOPE_STATEMENT = "BEGIN; SELECT set_config(…) -- the caller's scope"


async def fetch_scoped(
    sessions: async_sessionmaker[AsyncSession],
    sql: str,
    arguments: Sequence[Any],
    *,
    commit: bool,
) -> Any:
    """The one value of one compiled statement (schema/compiler) run as a session of
    `sessions` would run it: in a transaction with the caller's row-level-security scope and
    time limit set, committed if `commit` (it wrote audit rows), else rolled back.

    Three round trips where a session takes four: BEGIN and the `set_config`s travel in one
    simple-protocol message. The statement's SQL is already compiled for asyncpg, with the
    caller's read predicates in it (`scoped_statement`). A connection whose transaction
    cannot be ended is discarded, never returned to the pool with a scope set.
    """
    engine = sessions.kw["bind"]
    async with engine.connect() as conn:
        raw = await raw_connection(conn)
        try:
            with Statement(_SCOPE_STATEMENT):
                await raw.execute(f"BEGIN; {_settings_sql(sessions.kw['info'])}")
            with Statement(sql):
                value = await raw.fetchval(sql, *arguments)
            await raw.execute("COMMIT" if commit else "ROLLBACK")
        except BaseException as error:
            try:
                if raw.is_in_transaction():
                    await raw.execute("ROLLBACK")
            except BaseException:
                await conn.invalidate()
            if is_timeout(error):
                raise QueryTimeout from error
            raise
        return value


def scoped_sessions(
    engine: AsyncEngine,
    scope: Scope,
    today: date,
    statement_timeout: float = 0,
    *,
    session_class: type[ScopedSession] = ScopedSession,
) -> async_sessionmaker[AsyncSession]:
    """Sessions for one request of `scope`'s principal; each statement they run is
    cancelled after `statement_timeout` seconds (0: no limit of ours). Sessions that write
    pass a `session_class` of their own that adds the hooks their writes need."""
    options = {
        listing: [
            with_loader_criteria(model, predicate(), include_aliases=True)
            for model, predicate in criteria(scope, today, listing=listing).items()
        ]
        for listing in (False, True)
    }
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        sync_session_class=session_class,
        info={
            CRITERIA_KEY: options,
            RLS_KEY: ",".join(p.like() for p in scope.reach()),
            # PostgreSQL takes milliseconds; at least 1, since 0 would mean no limit.
            TIMEOUT_KEY: str(max(1, round(statement_timeout * 1000)))
            if statement_timeout
            else None,
        },
    )


@asynccontextmanager
async def granted_move(session: AsyncSession, from_village: str) -> AsyncIterator[None]:
    """Row-level security widened, for the rest of this block, to the village a granted move
    takes a child's file from: the accepting side moves rows it could not see. The service
    enters it only once every acceptance the move needs is given (app/domain/moves.py); the
    transaction's own scope is set again afterwards."""
    previous = await session.scalar(
        text("SELECT current_setting(:name, true)"), {"name": RLS_SETTING}
    )
    widened = ",".join(part for part in (previous or "", from_village) if part)
    await session.execute(
        text("SELECT set_config(:name, :value, true)"), {"name": RLS_SETTING, "value": widened}
    )
    try:
        yield
    finally:
        await session.execute(
            text("SELECT set_config(:name, :value, true)"),
            {"name": RLS_SETTING, "value": previous or ""},
        )
