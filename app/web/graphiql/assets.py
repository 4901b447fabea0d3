"""GraphiQL's scripts and styles, shipped in the package and served by the service itself: a
county network without internet opens GraphiQL all the same (VENDORED.md says which versions).

Each file is served at a URL that names its content's digest, so it never changes under its
URL and browsers may keep it for a year without asking again; the page names each with its
Subresource Integrity hash, which a browser checks before running it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from app.web.graphql_request import RequestError

STATIC: Final = Path(__file__).parent / "static"
URL_PREFIX: Final = "/graphiql/static/"

# In the order the page loads them: React before GraphiQL, GraphiQL before its plugin and the
# login pane's script, which starts it.
STYLESHEETS: Final = (
    "graphiql-3.8.3/graphiql.min.css",
    "graphiql-plugin-explorer-1.0.2/style.css",
    "shouhu/graphiql.css",
)
SCRIPTS: Final = (
    "react-18.2.0/react.production.min.js",
    "react-dom-18.2.0/react-dom.production.min.js",
    "graphiql-3.8.3/graphiql.min.js",
    "graphiql-plugin-explorer-1.0.2/index.umd.js",
    "shouhu/graphiql.js",
)
MEDIA_TYPES: Final = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# Immutable: a changed file gets a new URL (its digest), so the old one may be kept for good.
CACHE_CONTROL: Final = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """One file of the page: where it is, the URL it is served at and its integrity hash."""

    name: str
    path: Path
    url: str
    integrity: str
    media_type: str


def _asset(name: str) -> Asset:
    path = STATIC / name
    digest = hashlib.sha384(path.read_bytes()).digest()
    return Asset(
        name=name,
        path=path,
        url=f"{URL_PREFIX}{digest[:8].hex()}/{name}",
        integrity="sha384-" + base64.b64encode(digest).decode("ascii"),
        media_type=MEDIA_TYPES[path.suffix],
    )


@cache
def assets() -> dict[str, Asset]:
    """Every file the page loads, by name (hashed once per process)."""
    return {name: _asset(name) for name in (*STYLESHEETS, *SCRIPTS)}


@cache
def _by_url() -> dict[str, Asset]:
    return {asset.url: asset for asset in assets().values()}


async def graphiql_asset(request: Request) -> Response:
    """GET /graphiql/static/<digest>/<file>: a file of the page, where GraphiQL is served;
    anything else is a typed 404 (no path is read from the request, only looked up among the
    page's files)."""
    if not request.app.state.settings.graphiql:
        return RequestError(404, "NOT_FOUND", "GraphiQL is served in development only").response()
    asset = _by_url().get(request.url.path)
    if asset is None:
        return RequestError(404, "NOT_FOUND", "no such file of GraphiQL").response()
    return FileResponse(
        asset.path,
        media_type=asset.media_type,
        headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
    )
