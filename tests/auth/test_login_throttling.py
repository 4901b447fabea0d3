"""Login throttling through the API: per account and per client address, exponential
back-off, no password checked while it runs, counts shared by every worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from app import clock, passwords
from app.seed.demo import DEMO_PASSWORD
from app.settings import Settings
from app.web.service import create_app
from tests.conftest import EngineFactory
from tests.graphql import graphql_body

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) {
    accessToken retryAfterSeconds errors { code field message }
  }
}
"""


@asynccontextmanager
async def clients(url: str, *hosts: str, **settings: object) -> AsyncIterator[list[AsyncClient]]:
    """One service (one worker) on `url`, with a client calling from each address."""
    app = create_app(Settings.model_validate({"DATABASE_URL": url, "daily_job": False, **settings}))
    async with app.router.lifespan_context(app):
        made = [
            AsyncClient(transport=ASGITransport(app=app, client=(host, 40000)), base_url="http://t")
            for host in hosts
        ]
        try:
            yield made
        finally:
            for client in made:
                await client.aclose()


async def login(
    client: AsyncClient, username: str, password: str = DEMO_PASSWORD, **headers: str
) -> Any:
    body = await graphql_body(
        client, None, LOGIN, headers=headers, username=username, password=password
    )
    return body["data"]["login"]


def code(payload: Any) -> str | None:
    return payload["errors"][0]["code"] if payload["errors"] else None


async def test_the_right_password_is_refused_during_the_backoff_and_resets_it(
    fresh_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real = passwords.verify_password

    def counting(password_hash: str, password: str) -> bool:
        checks.append(password)
        return real(password_hash, password)

    monkeypatch.setattr("app.auth.login.verify_password", counting)
    t0 = clock.now()
    with time_machine.travel(t0, tick=False):
        # Thirty wrong passwords then the right one was accepted; now the 6th try waits.
        for n in range(5):
            assert code(await login(fresh_client, "demo-village", f"wrong-{n}")) == (
                "INVALID_CREDENTIALS"
            )
        assert len(checks) == 5
        refused = await login(fresh_client, "demo-village")
        assert code(refused) == "LOGIN_THROTTLED"
        assert refused["accessToken"] is None
        assert refused["retryAfterSeconds"] == 1
        assert refused["errors"][0]["message"] == "登录失败次数过多，请 1 秒后重试"
        english = await login(fresh_client, "demo-village", **{"Accept-Language": "en"})
        assert english["errors"][0]["message"] == "too many failed logins: try again in 1 s"
        assert len(checks) == 5  # refused without looking at the password
    with time_machine.travel(t0 + timedelta(seconds=1), tick=False):
        assert code(await login(fresh_client, "demo-village", "wrong-5")) == "INVALID_CREDENTIALS"
        assert (await login(fresh_client, "demo-village"))["retryAfterSeconds"] == 2  # doubled
    with time_machine.travel(t0 + timedelta(seconds=3), tick=False):
        assert code(await login(fresh_client, "demo-village", "wrong-6")) == "INVALID_CREDENTIALS"
        assert (await login(fresh_client, "demo-village"))["retryAfterSeconds"] == 4
    with time_machine.travel(t0 + timedelta(seconds=7), tick=False):
        right = await login(fresh_client, "demo-village")
        assert right["errors"] == [] and right["accessToken"]
        # The right password cleared the account: four wrong ones may follow again.
        for n in range(4):
            assert code(await login(fresh_client, "demo-village", f"again-{n}")) == (
                "INVALID_CREDENTIALS"
            )
        assert (await login(fresh_client, "demo-village"))["errors"] == []
    # Other accounts were never affected.
    assert (await login(fresh_client, "demo-village2"))["errors"] == []


async def test_an_unknown_username_is_throttled_like_a_real_one(
    fresh_client: AsyncClient,
) -> None:
    with time_machine.travel(clock.now(), tick=False):
        answers = {}
        for username in ("demo-township", "nobody-here"):
            for n in range(5):
                assert code(await login(fresh_client, username, f"wrong-{n}")) == (
                    "INVALID_CREDENTIALS"
                )
            answers[username] = await login(fresh_client, username, "wrong-5")
    assert answers["demo-township"] == answers["nobody-here"]
    assert code(answers["nobody-here"]) == "LOGIN_THROTTLED"


async def test_a_client_address_is_throttled_across_accounts(fresh_db: str) -> None:
    async with clients(
        fresh_db, "10.0.0.1", "10.0.0.2", login_address_failures=3, login_account_failures=100
    ) as (first, second):
        with time_machine.travel(clock.now(), tick=False):
            for username in ("demo-county", "demo-city"):
                assert code(await login(first, username, "wrong")) == "INVALID_CREDENTIALS"
            # A correct login takes back only its own attempt, not the address's failures
            # (or one account of the attacker's own would wipe them between guesses).
            assert (await login(first, "demo-police"))["errors"] == []
            assert code(await login(first, "demo-admin", "wrong")) == "INVALID_CREDENTIALS"
            spray = await login(first, "demo-centre")  # the right password, a fresh account
            assert code(spray) == "LOGIN_THROTTLED"
            # Another address is not affected, for the same account.
            assert (await login(second, "demo-centre"))["errors"] == []


async def test_concurrent_guesses_get_exactly_the_threshold(fresh_client: AsyncClient) -> None:
    with time_machine.travel(clock.now(), tick=False):
        answers = await asyncio.gather(
            *(login(fresh_client, "demo-school", f"guess-{n}") for n in range(20))
        )
    codes = sorted(code(answer) or "" for answer in answers)
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["LOGIN_THROTTLED"] * 15


async def test_every_worker_counts_the_same_failures(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    # Two services on one database stand for two worker processes.
    async with (
        clients(fresh_db, "10.0.0.9") as (one,),
        clients(fresh_db, "10.0.0.9") as (other,),
    ):
        with time_machine.travel(clock.now(), tick=False):
            for n in range(5):
                client = one if n % 2 else other
                assert code(await login(client, "demo-ngo", f"wrong-{n}")) == (
                    "INVALID_CREDENTIALS"
                )
            assert code(await login(one, "demo-ngo")) == "LOGIN_THROTTLED"
            assert code(await login(other, "demo-ngo")) == "LOGIN_THROTTLED"
    async with engine_for(fresh_db).connect() as conn:
        rows = await conn.execute(text("SELECT kind, subject, failures FROM login_failures"))
        counts = {(row.kind, row.subject): row.failures for row in rows}
    assert counts == {("account", "demo-ngo"): 5, ("address", "10.0.0.9"): 5}


async def test_forgotten_counts_are_deleted(fresh_db: str, engine_for: EngineFactory) -> None:
    async with clients(fresh_db, "10.0.0.5") as (client,):
        old = clock.now() - timedelta(hours=2)
        with time_machine.travel(old, tick=False):
            await login(client, "nobody-here", "wrong")
        await login(client, "demo-village", "wrong")
    async with engine_for(fresh_db).connect() as conn:
        rows = await conn.execute(text("SELECT subject, last_failure_at FROM login_failures"))
        left: dict[str, datetime] = {row.subject: row.last_failure_at for row in rows}
    assert set(left) == {"demo-village", "10.0.0.5"}
