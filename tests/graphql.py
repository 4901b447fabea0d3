"""Talking to the service under test: global ids and GraphQL requests.

One ladder of helpers, each a step further from HTTP (all take the client, the caller's
token or None for an anonymous caller, and the document, then the variables as keywords):
- `graphql_response`: the HTTP response, nothing asserted (status codes, headers, raw text);
- `graphql_body`: the JSON body of a 200 response, `data` and `errors` alike;
- `query_data`: the body's `data`, asserting there were no GraphQL errors;
- `mutation_payload`: the payload of a one-field mutation, its keywords being the input.
The first three take `headers` (e.g. an API key) and `language` (Accept-Language) too.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from httpx import ASGITransport, AsyncClient, Response

from app.database import counting_statements as app_counting_statements


def gid(type_name: str, key: object) -> str:
    """The Relay global id of a row."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


async def graphql_response(
    client: AsyncClient,
    token: str | None,
    query: str,
    /,
    *,
    headers: Mapping[str, str] | None = None,
    language: str | None = None,
    **variables: Any,
) -> Response:
    """POST a document as the token's holder (anonymously without one); the HTTP response."""
    sent = {"Authorization": f"Bearer {token}"} if token else {}
    if language:
        sent["Accept-Language"] = language
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={**sent, **(headers or {})},
    )


async def graphql_body(
    client: AsyncClient,
    token: str | None,
    query: str,
    /,
    *,
    headers: Mapping[str, str] | None = None,
    language: str | None = None,
    **variables: Any,
) -> dict[str, Any]:
    """The JSON body (`data` and `errors`) of a document's answer, asserting a 200."""
    response = await graphql_response(
        client, token, query, headers=headers, language=language, **variables
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def query_data(
    client: AsyncClient,
    token: str | None,
    query: str,
    /,
    *,
    headers: Mapping[str, str] | None = None,
    language: str | None = None,
    **variables: Any,
) -> dict[str, Any]:
    """Run a document as the token's holder; its `data`, asserting there were no errors."""
    body = await graphql_body(client, token, query, headers=headers, language=language, **variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def mutation_payload(
    client: AsyncClient, token: str | None, mutation: str, /, **fields: Any
) -> dict[str, Any]:
    """Run a one-field mutation with an input of `fields`; its payload (`errors` and all)."""
    data = await query_data(client, token, mutation, input=fields)
    payload: dict[str, Any] = next(iter(data.values()))
    return payload


@contextmanager
def counting_statements(client: AsyncClient) -> Iterator[list[str]]:
    """Every SQL statement the service sends while the block runs (app.database's count)."""
    transport = client._transport
    assert isinstance(transport, ASGITransport)
    with app_counting_statements(transport.app.state.engine) as statements:  # type: ignore[attr-defined]
        yield statements
