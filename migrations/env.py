"""Alembic environment: runs on a connection handed in by app.migrate, or on its own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from app.database import create_engine, database_url
from app.models import Base
from app.settings import get_settings

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    """Run the migrations on a synchronous connection."""
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    """Used by the plain `alembic` command: connect as the service would."""
    with database_url(get_settings()) as url:
        engine = create_engine(url, pool_size=1)
        async with engine.begin() as conn:
            await conn.run_sync(run_on)
        await engine.dispose()


handed_in = config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(url="postgresql://", target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif handed_in is not None:
    run_on(handed_in)
else:
    asyncio.run(run_standalone())
