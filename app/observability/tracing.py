"""OpenTelemetry traces, on only when an OTLP endpoint is configured
(`OTEL_EXPORTER_OTLP_ENDPOINT`, the exporter's own variable); otherwise no tracer provider
exists and `span` hands out one shared empty context manager, so the hot path pays a
function call. Spans carry SQL text with its string literals masked and never the
parameters' values: the data are minors'."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import lru_cache
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode, Tracer

if TYPE_CHECKING:
    # The SDK is loaded only when tracing is configured: nothing of it otherwise.
    from opentelemetry.sdk.trace import TracerProvider

_tracer: Tracer | None = None
_provider: TracerProvider | None = None
_NO_SPAN: AbstractContextManager[None] = nullcontext()

# The longest statement text a span keeps: compiled reads are 10-60 kB of SQL.
MAX_STATEMENT_CHARS = 4_000
_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")

AttributeValue = str | int | float | bool


def configure_from_environment() -> None:
    """Trace to the OTLP endpoint of `OTEL_EXPORTER_OTLP_ENDPOINT` (over HTTP), if it is set;
    the exporter reads its other OTEL_* variables (headers, timeout) itself."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or _provider is not None:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "shouhu"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    install(provider)


def install(provider: TracerProvider | None) -> None:
    """Trace with `provider` from now on (None: stop tracing). Tests install one whose spans
    they read."""
    global _tracer, _provider
    _provider = provider
    _tracer = provider.get_tracer("shouhu") if provider is not None else None


def provider() -> TracerProvider | None:
    """The tracer provider in use, None when tracing is off."""
    return _provider


def enabled() -> bool:
    """Whether spans are recorded."""
    return _tracer is not None


def span(
    name: str, attributes: Mapping[str, AttributeValue] | None = None
) -> AbstractContextManager[Span | None]:
    """A span around the block, a child of the current one; nothing at all when tracing is
    off."""
    if _tracer is None:
        return _NO_SPAN
    return _recorded(_tracer, name, attributes)


@contextmanager
def _recorded(
    tracer: Tracer, name: str, attributes: Mapping[str, AttributeValue] | None
) -> Iterator[Span]:
    with tracer.start_as_current_span(name, attributes=attributes) as current:
        yield current


def start_statement(statement: str) -> Span | None:
    """A span for one SQL statement, started now and ended by `end_statement` (the driver's
    events give a start and an end, not a block)."""
    if _tracer is None:
        return None
    return _tracer.start_span(
        statement_name(statement),
        kind=trace.SpanKind.CLIENT,
        attributes={"db.system": "postgresql", "db.statement": statement_text(statement)},
    )


def end_statement(current: Span | None, error: BaseException | None = None) -> None:
    """End a statement's span, marked failed if `error` (its type only: messages may quote
    data)."""
    if current is None:
        return
    if error is not None:
        current.set_status(Status(StatusCode.ERROR, type(error).__name__))
    current.end()


def statement_name(statement: str) -> str:
    """A span's name for a statement: its first keyword (SELECT, INSERT, WITH…)."""
    head = statement.lstrip().split(None, 1)
    return head[0].upper() if head else "SQL"


@lru_cache(maxsize=256)
def statement_text(statement: str) -> str:
    """The statement with every string literal masked ('?'), cut to MAX_STATEMENT_CHARS:
    parameters are never part of it, and literals the service wrote in (a scope's area
    codes, set_config's values) do not leave either."""
    masked = _STRING_LITERAL.sub("'?'", statement)
    if len(masked) > MAX_STATEMENT_CHARS:
        return masked[:MAX_STATEMENT_CHARS] + "…"
    return masked


def trace_id() -> str | None:
    """The current trace's id (32 hex digits), for log lines; None when not tracing."""
    if _tracer is None:
        return None
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
