"""GraphiQL in a real browser with no network: Debian's chromium, driven by Playwright, opens
the page from a service listening on 127.0.0.1, signs in with the login pane and runs a query,
while every request to any other host is refused.

Skipped, saying why, where chromium or the playwright package is missing: `apt-get install -y
chromium` and `pip install -e '.[dev]'` (never `playwright install`: it downloads a browser).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest

from app import clock
from app.auth.tokens import issue_access_token
from app.settings import Settings
from tests.conftest import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous: GraphiQL's script is 3.5 MB and the machine may be busy with other tests.
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.browser

pytest.importorskip(
    "playwright.async_api",
    reason="the playwright package is missing: pip install -e '.[dev]' (no `playwright install`)",
)
from playwright.async_api import (  # noqa: E402 (after the skip)
    Page,
    Response,
    Route,
    async_playwright,
    expect,
)

STORED_LOGIN = "JSON.parse(sessionStorage.getItem('shouhu.graphiql.login'))"


@pytest.fixture
def chromium() -> str:
    """The system's chromium, or a skip saying how to install it."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install -y chromium")
    return CHROMIUM


def _settings(url: str) -> Settings:
    return Settings.model_validate(
        {"DATABASE_URL": url, "env": "development", "webhook_worker": False, "daily_job": False}
    )


@pytest.fixture
async def service_url(fresh_db: str) -> AsyncIterator[str]:
    """The service on a demo database of its own (logging in writes), over HTTP on 127.0.0.1."""
    async with served(fresh_db) as base:
        yield base


async def _expire_the_access_token(page: Page, settings: Settings) -> str:
    """Put an access token that expired an hour ago in the page's login; returns it."""
    login = await page.evaluate(STORED_LOGIN)
    user_id = uuid.UUID(
        jwt.decode(login["accessToken"], options={"verify_signature": False})["sub"]
    )
    expired, _ = issue_access_token(user_id, settings, now=clock.now() - timedelta(hours=1))
    await page.evaluate(
        "token => { const login = " + STORED_LOGIN + "; login.accessToken = token;"
        " sessionStorage.setItem('shouhu.graphiql.login', JSON.stringify(login)); }",
        expired,
    )
    return expired


async def test_graphiql_signs_in_and_runs_a_query_with_no_network(
    chromium: str, service_url: str, fresh_db: str, tmp_path: Path
) -> None:
    blocked: list[str] = []
    errors: list[str] = []

    async def only_the_service(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort("internetdisconnected")

    async with async_playwright() as driver:
        # A fresh profile, Chinese as a county office's browser: the pane speaks it.
        context = await driver.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=chromium,
            args=CHROMIUM_ARGS,
            headless=True,
            locale="zh-CN",
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            await context.route("**/*", only_the_service)
            page = await context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(f"{service_url}/graphql", wait_until="load")

            # GraphiQL started (its scripts ran) and the pane asks to sign in, in Chinese.
            await page.locator(".graphiql-execute-button").wait_for()
            status = page.locator("#shouhu-status")
            assert "未登录" in await status.inner_text()

            await page.get_by_label("用户名").fill("demo-village")
            await page.get_by_label("密码").fill("shouhu-demo")
            await page.get_by_role("button", name="登录", exact=True).click()
            await page.locator("#shouhu-user", has_text="已登录：demo-village").wait_for()

            # The default query is `{ me { username role areaCode } }`: run it as it is.
            execute = page.locator(".graphiql-execute-button")
            await execute.click()
            result = page.locator(".result-window")
            await expect(result).to_contain_text('"username": "demo-village"', timeout=TIMEOUT_MS)
            await expect(result).to_contain_text('"areaCode": "420702100201"', timeout=TIMEOUT_MS)

            # An expired token is renewed with the refresh token and the query sent again.
            expired = await _expire_the_access_token(page, _settings(fresh_db))

            def sent_renewed(response: Response) -> bool:
                sent = response.request.headers.get("authorization")
                return response.request.method == "POST" and sent not in (None, f"Bearer {expired}")

            async with page.expect_response(sent_renewed, timeout=TIMEOUT_MS) as renewed:
                await execute.click()
            body = await (await renewed.value).json()
            assert body["data"]["me"]["username"] == "demo-village"
            await expect(result).not_to_contain_text("TOKEN_EXPIRED", timeout=TIMEOUT_MS)
            assert (await page.evaluate(STORED_LOGIN))["accessToken"] != expired

            # Signing out forgets the login in the page.
            await page.get_by_role("button", name="退出登录").click()
            await expect(status).to_contain_text("未登录", timeout=TIMEOUT_MS)
            assert await page.evaluate(STORED_LOGIN) is None
        finally:
            await context.close()

    assert blocked == []  # the page asked no other host for anything
    assert errors == []
