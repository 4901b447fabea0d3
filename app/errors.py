"""Refusals of the domain services: what the caller did wrong, as data for the payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import object_session
from sqlalchemy.orm.exc import UnmappedInstanceError

from app.domain.validation import Problem
from app.i18n import Term


@dataclass
class DomainError(Exception):
    """A write refused; nothing of it is written (the transaction rolls back).

    `current` carries the record as it is now for VERSION_CONFLICT, so the app can merge.
    `after` is a write that stands although this one is refused (a duplicate passed on to be
    reconciled): the mutation runner runs it in a transaction of its own.
    """

    problems: list[Problem]
    current: Any = None
    after: Callable[[AsyncSession], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        # The transaction rolls back, which expires every row in the session: the record
        # returned to the client is taken out of it first, as loaded.
        if self.current is not None:
            try:
                session = object_session(self.current)
            except UnmappedInstanceError:
                return
            if session is not None:
                session.expunge(self.current)

    def __str__(self) -> str:
        return "; ".join(f"{p.code} {p.field}: {p.render('en')}" for p in self.problems)


def raise_problems(found: list[Problem]) -> None:
    """Refuse with every problem found, if there is any."""
    if found:
        raise DomainError(found)


def refuse(
    code: str,
    field: str,
    message: str,
    params: Mapping[str, object] | None = None,
    *,
    current: Any = None,
) -> DomainError:
    """A DomainError with one problem (`message` is a template, see Problem)."""
    return DomainError([Problem(code, field, message, params)], current)


def not_found(field: str, what: str) -> DomainError:
    """Missing, or outside the caller's scope: the two look the same. `what` is the kind of
    record, a word of the catalogue's TERMS ("child")."""
    return refuse("NOT_FOUND", field, "no such {what}", {"what": Term(what)})


def check_version(row: Any, expected: int, field: str = "expectedVersion") -> None:
    """Optimistic concurrency: refuse an update based on an outdated version."""
    if row.version != expected:
        raise refuse(
            "VERSION_CONFLICT",
            field,
            "the record is at version {current}, not {expected}: merge and retry",
            {"current": row.version, "expected": expected},
            current=row,
        )
