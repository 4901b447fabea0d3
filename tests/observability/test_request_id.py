"""Every request has an id: answered in X-Request-ID and in each log line written for it."""

from __future__ import annotations

import json
import logging
import re

import pytest
from httpx import AsyncClient

from app.logging import JsonFormatter
from tests.conftest import service_client


class Lines(logging.Handler):
    """Log lines as the service writes them, formatted while the request runs."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


async def _failing_request(client: AsyncClient, **headers: str) -> tuple[str, list[str]]:
    """A request that logs (its GraphQL error); its answer's id and its log lines' ids."""
    lines = Lines()
    logging.getLogger().addHandler(lines)
    try:
        response = await client.post(
            "/graphql", json={"query": "query Broken { nothing }"}, headers=headers
        )
    finally:
        logging.getLogger().removeHandler(lines)
    logged = [str(line.get("request_id")) for line in lines.lines]
    return response.headers["x-request-id"], logged


async def test_each_request_gets_a_new_id_shared_by_its_log_lines(
    demo_client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shouhu.graphql")
    first, logged = await _failing_request(demo_client, **{"X-Request-ID": "chosen-by-client"})
    second, _ = await _failing_request(demo_client)
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    assert logged and set(logged) == {first}
    # Outside a request, a line has none.
    assert "request_id" not in json.loads(JsonFormatter().format(caplog.records[0]))


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("proxy-4f9a.1_b", True), ("bad id\nforged log line", False), ("x" * 65, False)],
)
async def test_a_trusted_proxy_s_well_formed_id_is_kept(
    demo_db: str, caplog: pytest.LogCaptureFixture, sent: str, kept: bool
) -> None:
    caplog.set_level(logging.INFO, logger="shouhu.graphql")
    async for client in service_client(demo_db, trust_request_id=True):
        answered, logged = await _failing_request(client, **{"X-Request-ID": sent})
        assert (answered == sent) is kept
        assert set(logged) == {answered}


async def test_refusals_before_graphql_carry_an_id_too(demo_client: AsyncClient) -> None:
    headers = {"Content-Type": "text/plain"}
    response = await demo_client.post("/graphql", content=b"{", headers=headers)
    assert response.status_code == 415
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
