"""A revoked grant or a deactivated account takes effect in every process within a second:
the database's notices (migration 0032) reach each process's caches."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.applications import Starlette

from app import clock
from app.auth.identity import Identity
from app.auth.identity_cache import IdentityCache
from app.database import raw_connection, session_factory
from app.enums import Role
from app.web.invalidation import Invalidation
from app.web.service import create_app
from authz.policy_store import PolicyStore, remove_rule
from tests.api.test_mobile_contract import AD_HOC
from tests.auth.test_auth import LOGOUT, login, refresh
from tests.conftest import EngineFactory, access_token, service_settings, within_a_second
from tests.graphql import query_data

# A process's caches outlive the test unless told: only the notice can make it pass.
LONG = {"policy_refresh_seconds": 3600, "identity_cache_seconds": 3600}


@contextlib.asynccontextmanager
async def process(url: str, **settings: object) -> AsyncIterator[AsyncClient]:
    """One process of the service on `url` (its own caches), listening for notices."""
    app: Starlette = create_app(service_settings(url, **LONG, **settings))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        await asyncio.wait_for(app.state.invalidation.listening.wait(), 10)
        yield client


async def test_a_deactivated_account_is_refused_everywhere_at_once(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    query = {"query": "{ me { username } }"}
    headers = {"Authorization": f"Bearer {token}"}
    async with process(fresh_db) as first, process(fresh_db) as second:
        for client in (first, second):  # each process has verified the token
            assert (await client.post("/graphql", json=query, headers=headers)).json()["data"]
        async with engine_for(fresh_db).begin() as conn:
            await conn.execute(
                text("UPDATE users SET is_active = false WHERE username = 'demo-village'")
            )

        for client in (first, second):

            async def refused(client: AsyncClient = client) -> bool:
                answer = (await client.post("/graphql", json=query, headers=headers)).json()
                codes = {e["extensions"]["code"] for e in answer.get("errors", [])}
                return codes == {"ACCOUNT_INACTIVE"}

            assert await within_a_second(refused)


async def test_a_revoked_grant_is_revoked_everywhere_at_once(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-county")
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        process(fresh_db, trusted_documents_only=True) as first,
        process(fresh_db, trusted_documents_only=True) as second,
    ):
        for client in (first, second):  # staff may send any document
            answer = (await client.post("/graphql", json={"query": AD_HOC}, headers=headers)).json()
            assert "errors" not in answer
        sessions = session_factory(engine_for(fresh_db), Session)
        async with sessions() as session, session.begin():
            rule = ("p", "county_civil_affairs", "*", "graphql_ide", "use")
            assert await remove_rule(session, rule)

        for client in (first, second):

            async def refused(client: AsyncClient = client) -> bool:
                answer = (
                    await client.post("/graphql", json={"query": AD_HOC}, headers=headers)
                ).json()
                codes = {e["extensions"]["code"] for e in answer.get("errors", [])}
                return codes == {"PERSISTED_DOCUMENT_REQUIRED"}

            assert await within_a_second(refused)


async def test_a_logout_ends_its_access_tokens_everywhere_at_once(fresh_db: str) -> None:
    me = {"query": "{ me { username } }"}
    async with process(fresh_db) as first, process(fresh_db) as second:
        session = await login(first, "demo-village")
        headers = {"Authorization": f"Bearer {session['accessToken']}"}
        for client in (first, second):  # each process has verified the token
            assert (await client.post("/graphql", json=me, headers=headers)).json()["data"]
        # A refresh keeps the login going: the access token it replaces still works.
        renewed = await refresh(first, session["refreshToken"])
        assert renewed["errors"] == []
        assert (await second.post("/graphql", json=me, headers=headers)).json()["data"]
        answer = await query_data(first, None, LOGOUT, token=renewed["refreshToken"])
        assert answer["logout"]["ok"]

        for client in (first, second):

            async def refused(client: AsyncClient = client) -> bool:
                answer = (await client.post("/graphql", json=me, headers=headers)).json()
                codes = {e["extensions"]["code"] for e in answer.get("errors", [])}
                return codes == {"TOKEN_INVALID"}

            assert await within_a_second(refused)
    # A process that never saw the token refuses it too.
    async with process(fresh_db) as third:
        answer = (await third.post("/graphql", json=me, headers=headers)).json()
        assert answer["errors"][0]["extensions"]["code"] == "TOKEN_INVALID"


async def test_only_committed_changes_that_matter_send_notices(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    heard: list[str] = []
    async with engine.connect() as listening:
        driver = await raw_connection(listening)
        await driver.add_listener("shouhu_invalidate", lambda *notice: heard.append(notice[-1]))
        async with engine.connect() as conn:
            await conn.execute(text("UPDATE users SET is_active = false"))
            await conn.rollback()
            await conn.execute(text("UPDATE users SET display_name = display_name || '.'"))
            await conn.commit()
            village = "UPDATE users SET role = 'village_director' WHERE username = :name"
            await conn.execute(text(village), {"name": "demo-village"})  # its role already
            await conn.execute(text(village), {"name": "demo-township"})
            await conn.commit()
            township = await conn.scalar(
                text("SELECT id FROM users WHERE username = 'demo-township'")
            )
        await asyncio.sleep(0.2)
    assert heard == [f"user:{township}"]


def _identity(name: str) -> Identity:
    return Identity(
        kind="user", user_id=uuid.uuid4(), api_key_id=None, username=name,
        role=Role.VILLAGE_DIRECTOR, area_code="420702100200", organization_id=None, label=name,
    )  # fmt: skip


def test_a_notice_drops_what_it_names() -> None:
    identities = IdentityCache(3600)
    invalidation = Invalidation(PolicyStore(3600), identities)
    later = clock.now() + timedelta(hours=1)
    one, other = _identity("one"), _identity("other")
    identities.put("token-1", one, later)
    identities.put("token-2", one, later)
    identities.put("token-3", other, later)
    invalidation.apply(f"user:{one.user_id}")
    assert (identities.get("token-1"), identities.get("token-2")) == (None, None)
    assert identities.get("token-3") == other
    family = uuid.uuid4()
    identities.put("token-4", other, later, family)
    invalidation.apply(f"family:{uuid.uuid4()}")  # another login's end
    assert identities.get("token-4") == other
    invalidation.apply(f"family:{family}")
    assert (identities.get("token-4"), identities.get("token-3")) == (None, other)
    invalidation.apply("user:not-an-id")  # a notice it cannot read drops everything
    assert identities.get("token-3") is None
