"""A test's own seeded database as a test sees it: tokens of its users, SQL to look things
up and to set the scene, global ids taken apart."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.apikeys import create_api_key
from app.models import Organization, User
from tests.conftest import EngineFactory, access_token


def key_of(global_id: str) -> str:
    """The key inside a Relay global id."""
    return base64.b64decode(global_id).decode().split(":", 1)[1]


async def api_key_of(session: AsyncSession, username: str, label: str) -> tuple[Organization, str]:
    """A new API key of the organization a demo user acts for: the organization and the key."""
    org = await session.scalar(
        select(Organization)
        .join(User, User.organization_id == Organization.id)
        .where(User.username == username)
    )
    assert org is not None, username
    _, key = await create_api_key(session, org, label)
    return org, key


class World:
    """Tokens and rows of one test database."""

    def __init__(self, url: str, engine_for: EngineFactory) -> None:
        self.url = url
        self.engine = engine_for(url)

    async def token(self, username: str) -> str:
        """An access token of a user of this database."""
        return await access_token(self.url, username)

    async def scalar(self, sql: str, **params: Any) -> Any:
        """The first column of the first row of a query."""
        async with self.engine.connect() as conn:
            return await conn.scalar(text(sql), params)

    async def row(self, sql: str, **params: Any) -> Any:
        """The one row of a query."""
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).one()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        """Every row of a query."""
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())

    async def execute(self, sql: str, **params: Any) -> None:
        """Run a statement in its own transaction (setting the scene behind the API's back)."""
        async with self.engine.begin() as conn:
            await conn.execute(text(sql), params)

    async def org_of(self, username: str) -> uuid.UUID:
        """The organization a user acts for."""
        org: uuid.UUID = await self.scalar(
            "SELECT organization_id FROM users WHERE username = :u", u=username
        )
        return org

    async def counts(self) -> tuple[int, int]:
        """How many cases and case events are on file."""
        cases = await self.scalar("SELECT count(*) FROM cases")
        events = await self.scalar("SELECT count(*) FROM case_events")
        return cases, events
