"""The GraphiQL page: GraphiQL from the service's own files (assets.py) under a login pane
whose access token goes with every request GraphiQL sends, every text in the request's
language (Accept-Language, app/i18n.py)."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from string import Template

from starlette.responses import HTMLResponse

from app.i18n import current_language, translate
from app.web.graphiql.assets import SCRIPTS, STYLESHEETS, assets

# The words the page's script shows itself (graphiql.js); the others are in the HTML.
_SCRIPT_TEXTS = ("signed_out", "signed_in", "signing_in", "unreachable", "expired", "example")


@cache
def _template() -> Template:
    return Template((Path(__file__).parent / "page.html").read_text(encoding="utf-8"))


def _texts() -> dict[str, str]:
    """The page's words in the request's language, for the HTML and for its script."""
    return {
        "title": translate("Shouhu GraphiQL"),
        "username": translate("Username"),
        "password": translate("Password"),
        "sign_in": translate("Sign in"),
        "sign_out": translate("Sign out"),
        "signed_out": translate(
            "Not signed in: until you sign in, only logging in and the schema's documentation work"
        ),
        # The script puts the name in place of {username}.
        "signed_in": translate("Signed in as {username}"),
        "signing_in": translate("Signing in…"),
        "unreachable": translate("The service could not be reached"),
        "expired": translate("Your login has expired: sign in again"),
        "loading": translate("Loading GraphiQL…"),
        "example": translate(
            "# Sign in above, then run a query with Ctrl-Enter or the ▶ button, e.g."
        ),
    }


def _script_json(value: object) -> str:
    """JSON that cannot end the <script> element it is written in."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def graphiql_page(graphql_url: str) -> HTMLResponse:
    """The page, for a browser's GET of the GraphQL endpoint at `graphql_url`."""
    files = assets()
    texts = _texts()
    stylesheets = "\n".join(
        f'    <link rel="stylesheet" href="{asset.url}" integrity="{asset.integrity}" />'
        for asset in (files[name] for name in STYLESHEETS)
    )
    scripts = "\n".join(
        f'    <script src="{asset.url}" integrity="{asset.integrity}"></script>'
        for asset in (files[name] for name in SCRIPTS)
    )
    config = {"url": graphql_url, "texts": {name: texts[name] for name in _SCRIPT_TEXTS}}
    page = _template().substitute(
        {name: html.escape(text) for name, text in texts.items()},
        lang="zh-CN" if current_language() == "zh" else "en",
        stylesheets=stylesheets,
        scripts=scripts,
        config=_script_json(config),
    )
    # The page holds no secret, but a framed GraphiQL could be made to run a staff login's
    # mutations by a click: it is never shown inside another site's page.
    headers = {"X-Frame-Options": "DENY", "Cache-Control": "no-store"}
    return HTMLResponse(page, headers=headers)
