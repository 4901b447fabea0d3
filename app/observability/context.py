"""The request being served, as the metrics and the logs see it: its id, and what it turned
out to be (operation, caller's role, outcome, SQL statements and time). One context variable
holds it; the ASGI middleware (app/web/observability.py) sets it for each request and
everything below fills it in."""

from __future__ import annotations

import os
import re
from contextvars import ContextVar, Token
from dataclasses import dataclass

# What an incoming X-Request-ID may be: short, and nothing a log reader could misread.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(slots=True)
class RequestRecord:
    """One request's facts, every one of them a bounded label or a number: no caller's data."""

    request_id: str
    operation: str = "other"
    role: str = "anonymous"
    outcome: str | None = None
    statements: int = 0
    sql_seconds: float = 0.0


_current: ContextVar[RequestRecord | None] = ContextVar("shouhu_request", default=None)


def current() -> RequestRecord | None:
    """The record of the request being served (None outside requests: jobs, the CLI)."""
    return _current.get()


def begin(incoming_id: str | None) -> tuple[RequestRecord, Token[RequestRecord | None]]:
    """Start a request's record: `incoming_id` if it is well formed, else a new id. Returns
    the record and the token that `end` takes."""
    if incoming_id is None or _WELL_FORMED.fullmatch(incoming_id) is None:
        incoming_id = os.urandom(16).hex()  # a random (version 4) UUID's 122 bits and more
    record = RequestRecord(request_id=incoming_id)
    return record, _current.set(record)


def end(token: Token[RequestRecord | None]) -> None:
    """Forget the request's record (the token `begin` returned)."""
    _current.reset(token)
