"""A request's errors are logged as one bounded line: never the document, never variables
(issue 12, finding 3: a 1 MB document with 99 unknown fields wrote 105 MB of log)."""

from __future__ import annotations

import json
import logging

import pytest
from httpx import AsyncClient

from app.logging import MAX_TEXT, JsonFormatter, bounded
from app.mobile_contract import CONTRACT_DIR
from schema.core.error_log import MAX_MESSAGE, loggable_message
from tests.conftest import access_token

LOGIN = (CONTRACT_DIR / "operations" / "Login.graphql").read_text()


def _logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = JsonFormatter()
    return [formatter.format(record) for record in caplog.records]


async def test_a_request_with_many_errors_logs_one_short_line(
    demo_client: AsyncClient, demo_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = await access_token(demo_db, "demo-village")
    headers = {"Authorization": f"Bearer {token}"}
    # Policies and the token are loaded (and logged) once, before the request measured.
    await demo_client.post("/graphql", json={"query": "{ me { username } }"}, headers=headers)
    # The finding's document: one line, a long string and 99 unknown fields, here within
    # the document limit and from a caller with credentials, so that it is validated.
    secret = "s" * 2_000
    fields = " ".join(f"unknown{i}" for i in range(99))
    document = f'query Flood {{ areas(parentCode: "{"x" * 15_000}") {{ totalCount }} {fields} }}'
    caplog.set_level(logging.INFO)
    response = await demo_client.post(
        "/graphql",
        json={"query": document, "variables": {"password": secret}},
        headers=headers,
    )
    assert len(response.json()["errors"]) == 99
    lines = _logged(caplog)
    graphql_lines = [line for line in lines if '"shouhu.graphql"' in line]
    assert len(graphql_lines) == 1
    entry = json.loads(graphql_lines[0])
    assert entry["operation"] == "Flood"
    assert entry["errors"] == 99
    assert sum(len(line) for line in lines) < 1_000, lines
    assert "xxxxxxxxxx" not in "".join(lines) and secret not in "".join(lines)


async def test_a_variable_value_is_never_in_the_request_log_line(
    demo_client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shouhu.graphql")
    variables = {"username": "demo-village", "password": 123456789}
    response = await demo_client.post("/graphql", json={"query": LOGIN, "variables": variables})
    assert response.json()["errors"]
    (line,) = [line for line in _logged(caplog) if '"shouhu.graphql"' in line]
    assert "123456789" not in line


def test_a_message_is_cut_before_a_variable_value() -> None:
    message = (
        "Variable '$password' has invalid value: String cannot represent a non string value: 1"
    )
    assert loggable_message(message) == "Variable '$password' has invalid value"
    nested = "Variable '$input' has invalid value at .name: Expected value … found \"secret\""
    assert loggable_message(nested) == "Variable '$input' has invalid value at .name"
    assert loggable_message("x" * 1_000) == "x" * MAX_MESSAGE + "…"


def test_no_log_line_is_longer_than_a_few_kilobytes() -> None:
    record = logging.LogRecord("x", logging.ERROR, "", 0, "%s", ("d" * 1_000_000,), None)
    record.document = "q" * 1_000_000
    line = JsonFormatter().format(record)
    assert len(line) < 3 * MAX_TEXT
    assert bounded("a" * 10 + "z" * 10, 8) == "aa…[12 characters cut]…zzzzzz"
