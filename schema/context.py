"""What every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from app.request_database import RequestDatabase
from app.services.audit import AuditTrail
from app.settings import Settings
from authz.scope import Scope
from schema.loaders import Loaders


@dataclass
class Context:
    """Per-request state.

    `db` is scoped to the caller (authz/session.py): every query through it sees only what
    the caller may see. `service_sessions` are not, and serve only identity checks and
    the audit trail, never data about children.
    """

    request: Request | WebSocket
    response: Response | None
    scope: Scope
    db: RequestDatabase
    service_sessions: async_sessionmaker[AsyncSession]
    loaders: Loaders
    audit: AuditTrail
    settings: Settings
    # The code of a credential that was presented and refused (e.g. TOKEN_EXPIRED).
    auth_error: str | None = None


Info = StrawberryInfo[Context, None]
