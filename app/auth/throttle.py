"""Login throttling: failed logins counted per account and per client address, in PostgreSQL.

The rules (how many failures, how long a back-off) are app/domain/login_throttle.py; this
module keeps the counts in `login_failures`, where every worker process sees the same ones.

Every attempt counts as a failure until its password proves right: `claim_attempt` counts it
before the password is checked, in a short transaction of its own that commits at once (the
rows locked in one order, account before address), and `login_succeeded` takes it back. So
concurrent guesses, on any worker, cannot slip past the threshold while their checks run, and
no lock is held while argon2 works. An attempt refused by a back-off is not counted, and no
password is checked for it: a guess then learns nothing, the right password included.

A correct password clears its account's failures and takes its own attempt back from its
address, but does not clear the address's other failures: an attacker who owns one account
must not be able to wipe the address's count by logging in with it between guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.login_throttle import (
    Failures,
    LoginThrottle,
    ThrottleRule,
    wait_seconds,
    with_failure,
)
from app.models.auth import LOGIN_SUBJECT_LENGTH, LoginFailure

ACCOUNT: Final = "account"
ADDRESS: Final = "address"
# Forgotten rows deleted per attempt: enough to keep up, never a long statement.
_PRUNE_BATCH: Final = 100


@dataclass(frozen=True)
class Attempt:
    """Who tries to log in: the username as typed, and the client's address if known."""

    username: str
    address: str | None

    def subjects(self, throttle: LoginThrottle) -> list[tuple[str, str, ThrottleRule]]:
        """(kind, subject, rule) of each count the attempt touches, in locking order.

        Subjects are cut to the column's length: no username is longer, so a longer one
        names nobody (and an address never is)."""
        subjects = [(ACCOUNT, self.username[:LOGIN_SUBJECT_LENGTH], throttle.account)]
        if self.address:
            subjects.append((ADDRESS, self.address[:LOGIN_SUBJECT_LENGTH], throttle.address))
        return subjects


async def claim_attempt(
    sessions: async_sessionmaker[AsyncSession],
    attempt: Attempt,
    throttle: LoginThrottle,
    now: datetime,
) -> float:
    """Count `attempt` as a failure of its account and address, unless a back-off refuses it.

    Returns 0 when the password may be checked, else the seconds still to wait (the longest
    of the account's and the address's); then nothing is counted. Commits on its own.
    """
    subjects = attempt.subjects(throttle)
    keys = [(kind, subject) for kind, subject, _ in subjects]
    placeholders = [
        {"kind": kind, "subject": subject, "failures": 0, "last_failure_at": now}
        for kind, subject in keys
    ]
    async with sessions() as session, session.begin():
        await session.execute(insert(LoginFailure).values(placeholders).on_conflict_do_nothing())
        rows = {
            (row.kind, row.subject): row
            for row in await session.scalars(
                select(LoginFailure)
                .where(tuple_(LoginFailure.kind, LoginFailure.subject).in_(keys))
                .order_by(LoginFailure.kind, LoginFailure.subject)
                .with_for_update()
            )
        }
        counts = {key: _failures(row) for key, row in rows.items()}
        wait = max(
            wait_seconds(rule, counts[kind, subject], now) for kind, subject, rule in subjects
        )
        if wait > 0:
            return wait
        for kind, subject, rule in subjects:
            counted = with_failure(rule, counts[kind, subject], now)
            rows[kind, subject].failures = counted.count
            rows[kind, subject].last_failure_at = counted.last_at
        await session.flush()
        await _prune(session, throttle, now)
    return 0.0


def _failures(row: LoginFailure) -> Failures | None:
    return Failures(row.failures, row.last_failure_at) if row.failures else None


async def login_succeeded(session: AsyncSession, attempt: Attempt) -> None:
    """The attempt's password was right: clear its account, take it back from its address.

    Runs in the login's transaction, so it holds only if the login does."""
    username = attempt.username[:LOGIN_SUBJECT_LENGTH]
    await session.execute(
        delete(LoginFailure).where(LoginFailure.kind == ACCOUNT, LoginFailure.subject == username)
    )
    if attempt.address:
        await session.execute(
            update(LoginFailure)
            .where(
                LoginFailure.kind == ADDRESS,
                LoginFailure.subject == attempt.address[:LOGIN_SUBJECT_LENGTH],
            )
            .values(failures=func.greatest(LoginFailure.failures - 1, 0))
        )


async def _prune(session: AsyncSession, throttle: LoginThrottle, now: datetime) -> None:
    """Delete a batch of forgotten counts. Last in the transaction and SKIP LOCKED, so it
    never waits for a lock while holding one: no deadlock with another attempt."""
    forget_after = max(throttle.account.forget_after, throttle.address.forget_after)
    forgotten = (
        select(LoginFailure.kind, LoginFailure.subject)
        .where(LoginFailure.last_failure_at < now - timedelta(seconds=forget_after))
        .limit(_PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    await session.execute(
        delete(LoginFailure).where(tuple_(LoginFailure.kind, LoginFailure.subject).in_(forgotten))
    )
