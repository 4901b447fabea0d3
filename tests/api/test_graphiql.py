"""GraphiQL from the service's own files: the page names nothing on another host, each file is
the one its integrity hash names and is kept by browsers, and none of it is served where
GraphiQL is not (tests/api/test_graphiql_browser.py runs the page in a real browser)."""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path

from httpx import AsyncClient, Response

from app.web.graphiql import assets
from tests.conftest import PRODUCTION_KEYS, service_client

ROOT = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html"}

# The files as npm publishes them (the same hashes strawberry's page gives unpkg's copies):
# a vendored file changed by hand fails here. Refreshing them: app/web/graphiql/VENDORED.md.
PUBLISHED = {
    "react-18.2.0/react.production.min.js": (
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"
    ),
    "react-dom-18.2.0/react-dom.production.min.js": (
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"
    ),
    "graphiql-3.8.3/graphiql.min.js": (
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"
    ),
    "graphiql-3.8.3/graphiql.min.css": (
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"
    ),
    "graphiql-plugin-explorer-1.0.2/index.umd.js": (
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"
    ),
    "graphiql-plugin-explorer-1.0.2/style.css": (
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi"
    ),
}


class Links(HTMLParser):
    """The page's scripts and stylesheets: (url, integrity) of each."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str, str | None]] = []
        self.stylesheets: list[tuple[str, str | None]] = []
        self.other_urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.scripts.append((found["src"] or "", found.get("integrity")))
        elif tag == "link" and found.get("rel") == "stylesheet":
            self.stylesheets.append((found["href"] or "", found.get("integrity")))
        else:
            self.other_urls += [value or "" for name, value in attrs if name in ("src", "href")]


def refusal(response: Response, status: int) -> str:
    """The code of a typed JSON error answered with `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()["errors"]
    code: str = error["extensions"]["code"]
    return code


def sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


async def page_links(client: AsyncClient) -> tuple[str, Links]:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = Links()
    links.feed(response.text)
    return response.text, links


async def test_the_page_loads_only_the_services_own_files(demo_client: AsyncClient) -> None:
    page, links = await page_links(demo_client)
    assert re.search(r"https?:|//[a-z]", page) is None
    urls = [url for url, _ in links.scripts + links.stylesheets]
    assert len(urls) == len(assets.SCRIPTS) + len(assets.STYLESHEETS)
    assert all(url.startswith(assets.URL_PREFIX) for url in urls)
    assert links.other_urls == ["data:,"]  # the favicon: none to fetch


async def test_each_file_is_the_one_its_integrity_names_and_is_kept_for_good(
    demo_client: AsyncClient,
) -> None:
    _, links = await page_links(demo_client)
    for kind, media_type in (
        (links.scripts, "text/javascript; charset=utf-8"),
        (links.stylesheets, "text/css; charset=utf-8"),
    ):
        for url, integrity in kind:
            response = await demo_client.get(url, headers={"Accept-Encoding": "gzip"})
            assert response.status_code == 200, url
            assert integrity == sri(response.content), url
            assert response.headers["content-type"] == media_type
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert response.headers["x-content-type-options"] == "nosniff"
            if len(response.content) > 1024:
                assert response.headers["content-encoding"] == "gzip"


async def test_the_vendored_files_are_the_published_ones() -> None:
    vendored = {
        str(path.relative_to(assets.STATIC)): sri(path.read_bytes())
        for path in assets.STATIC.glob("*/*")
        if path.suffix in (".js", ".css") and path.parent.name != "shouhu"
    }
    assert vendored == PUBLISHED
    assert set(PUBLISHED) <= set(assets.assets())


def test_an_install_carries_every_file_of_the_page() -> None:
    """pyproject's package data names each file the page loads, and its page template."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["app.web.graphiql"]
    shipped = [*assets.STYLESHEETS, *assets.SCRIPTS]
    shipped = ["page.html", *(f"static/{name}" for name in shipped)]
    for name in shipped:
        assert any(fnmatch(name, pattern) for pattern in package_data), name


async def test_a_url_that_names_no_file_of_the_page_is_a_typed_404(
    demo_client: AsyncClient,
) -> None:
    known = assets.assets()["shouhu/graphiql.js"].url
    digest = known.split("/")[3]
    for url in (
        known.replace(digest, "0" * len(digest)),
        f"{assets.URL_PREFIX}{digest}/graphiql-3.8.3/LICENSE",  # shipped, but not a page file
        f"{assets.URL_PREFIX}{digest}/shouhu/graphiql.js.map",
    ):
        assert refusal(await demo_client.get(url), 404) == "NOT_FOUND"


async def test_the_page_speaks_the_callers_language(demo_client: AsyncClient) -> None:
    chinese = (await demo_client.get("/graphql", headers=HTML)).text
    assert '<html lang="zh-CN">' in chinese
    assert "用户名" in chinese and "退出登录" in chinese and "Username" not in chinese
    english = (await demo_client.get("/graphql", headers={**HTML, "Accept-Language": "en"})).text
    assert '<html lang="en">' in english
    assert "Username" in english and "Sign out" in english and "用户名" not in english


async def test_a_persisted_document_fetched_by_get_is_not_the_page(
    demo_client: AsyncClient,
) -> None:
    response = await demo_client.get("/graphql", params={"documentId": "0" * 64}, headers=HTML)
    assert response.headers["content-type"].startswith("application/json")


async def test_no_graphiql_nor_its_files_in_production(demo_db: str) -> None:
    url = assets.assets()["graphiql-3.8.3/graphiql.min.js"].url
    async for client in service_client(demo_db, env="production", **PRODUCTION_KEYS):
        assert refusal(await client.get("/graphql", headers=HTML), 404) == "NOT_FOUND"
        assert refusal(await client.get(url), 404) == "NOT_FOUND"
