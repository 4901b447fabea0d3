"""Traces: a span per operation, its root fields' or the compiled read's span, and SQL spans
whose text never holds a value a caller sent or the caller's scope."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.mobile_contract import CONTRACT_DIR
from app.observability import tracing
from schema import schema
from tests.conftest import access_token, service_client
from tests.graphql import query_data
from tests.observability.test_request_id import Lines

CASELOAD = (CONTRACT_DIR / "operations" / "Caseload.graphql").read_text()
SEARCH = "邓雨"  # a name's start: the kind of value that must stay out of traces


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    """Tracing on, into memory, for the apps the test builds."""
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    extensions = schema.extensions
    tracing.install(provider)
    try:
        yield spans
    finally:
        tracing.install(None)
        schema.extensions = extensions


def _children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def _below(spans: list[ReadableSpan], top: ReadableSpan) -> list[ReadableSpan]:
    found = _children(spans, top)
    return found + [s for child in found for s in _below(spans, child)]


def _named(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    (found,) = [s for s in spans if s.name == name]
    return found


def _statements(spans: list[ReadableSpan]) -> list[str]:
    """The SQL text of the statements' spans among `spans`, in their order."""
    found = [(s.start_time or 0, (s.attributes or {}).get("db.statement")) for s in spans]
    return [str(text) for _, text in sorted(found, key=lambda pair: pair[0]) if text is not None]


def _no_values(spans: list[ReadableSpan], *values: str) -> None:
    text = json.dumps([dict(s.attributes or {}) for s in spans], ensure_ascii=False)
    for secret in values:
        assert secret not in text


async def test_the_compiled_path_traces_its_operation_and_its_sql(
    demo_db: str, exporter: InMemorySpanExporter
) -> None:
    token = await access_token(demo_db, "demo-village")
    async for client in service_client(demo_db):
        await query_data(client, token, CASELOAD, first=5)  # the token's lookup, done once
        exporter.clear()
        await query_data(client, token, CASELOAD, first=5, filter={"category": "LEFT_BEHIND"})
    spans = list(exporter.get_finished_spans())
    operation = _named(spans, "Caseload")
    compiled = _named(_children(spans, operation), "compiled read")
    scope, read = _statements(_children(spans, compiled))
    assert scope == "BEGIN; SELECT set_config(…) -- the caller's scope"  # not its values
    assert "json" in read.lower()
    # The server span of the request holds them all.
    (server,) = [s for s in spans if s.parent is None]
    assert operation in _below(spans, server)
    _no_values(spans, "LEFT_BEHIND", "420702100201", "demo-village")


async def test_the_strawberry_path_traces_root_fields_and_masks_literals(
    demo_db: str, exporter: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    token = await access_token(demo_db, "demo-village")
    caplog.set_level(logging.INFO, logger="shouhu.graphql")
    lines = Lines()
    logging.getLogger().addHandler(lines)
    try:
        async for client in service_client(demo_db, compiled_reads=False):
            exporter.clear()
            await query_data(client, token, CASELOAD, first=5, filter={"search": SEARCH})
            # An error is logged (shouhu.graphql) with the request's trace.
            response = await client.post(
                "/graphql",
                json={"query": "query Caseload { nothing }"},
                headers={"Authorization": f"Bearer {token}"},
            )
    finally:
        logging.getLogger().removeHandler(lines)
    spans = list(exporter.get_finished_spans())
    operation, failed = [s for s in spans if s.name == "Caseload"]
    root = _named(_children(spans, operation), "resolve children")
    statements = _statements(_below(spans, operation))
    assert _statements(_below(spans, root))
    # The scope is set with literals in the text: masked, as any literal is.
    assert any("set_config('?'" in statement for statement in statements)
    _no_values(spans, SEARCH, "420702100201", "demo-village")
    logged = [line for line in lines.lines if line["logger"] == "shouhu.graphql"]
    assert logged and logged[-1]["request_id"] == response.headers["x-request-id"]
    assert logged[-1]["trace_id"] == format(failed.context.trace_id, "032x")


def test_without_an_endpoint_there_is_no_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    tracing.configure_from_environment()
    assert not tracing.enabled()
    with tracing.span("anything") as span:
        assert span is None


def test_statement_text_masks_string_literals() -> None:
    sql = "SELECT set_config('shouhu.areas', '4207''02', true), name FROM c WHERE id = $1"
    assert tracing.statement_text(sql) == (
        "SELECT set_config('?', '?', true), name FROM c WHERE id = $1"
    )
