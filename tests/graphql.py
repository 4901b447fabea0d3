"""Talking to the service under test: global ids and GraphQL requests with a token."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from httpx import ASGITransport, AsyncClient
from sqlalchemy import event


def gid(type_name: str, key: object) -> str:
    """The Relay global id of a row."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


async def query_data(
    client: AsyncClient, token: str, query: str, **variables: Any
) -> dict[str, Any]:
    """Run a document as the token's holder; its `data`, asserting there were no errors."""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@contextmanager
def counting_statements(client: AsyncClient) -> Iterator[list[str]]:
    """Every SQL statement the service sends while the block runs."""
    transport = client._transport
    assert isinstance(transport, ASGITransport)
    engine = transport.app.state.engine.sync_engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
