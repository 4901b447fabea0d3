"""What every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from schema.loaders import Loaders


@dataclass
class Context:
    """Per-request state: the request, a session factory and the DataLoaders."""

    request: Request | WebSocket
    response: Response | None
    sessions: async_sessionmaker[AsyncSession]
    loaders: Loaders


Info = StrawberryInfo[Context, None]
