"""JSON logs, one object per line, for the service and the CLI."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

from app.domain.idnumber import redact_id_numbers
from app.observability import context, tracing

# Attributes every LogRecord has; anything else was passed in `extra=` and is logged too.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# No line may be longer than a few kilobytes, whatever a caller sent: a message or extra
# that quotes a request is cut, a traceback keeps its start and its end (the error).
MAX_TEXT = 2_000
MAX_EXCEPTION = 8_000


def bounded(text: str, limit: int) -> str:
    """`text`, or its start and end with what was cut in between counted."""
    if len(text) <= limit:
        return text
    head, tail = limit // 4, limit - limit // 4
    return f"{text[:head]}…[{len(text) - head - tail} characters cut]…{text[-tail:]}"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object with time, level, logger, message and extras, and
    the id of the request being served (and its trace's, when tracing) if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": bounded(record.getMessage(), MAX_TEXT),
        }
        entry.update(
            {
                k: bounded(v, MAX_TEXT) if isinstance(v, str) else v
                for k, v in record.__dict__.items()
                if k not in _STANDARD
            }
        )
        request = context.current()
        if request is not None:
            entry["request_id"] = request.request_id
        trace_id = tracing.trace_id()
        if trace_id is not None:
            entry["trace_id"] = trace_id
        if record.exc_info:
            entry["exception"] = bounded(self.formatException(record.exc_info), MAX_EXCEPTION)
        # Whatever a message or an exception carries, an ID number leaves the process masked.
        return redact_id_numbers(orjson.dumps(entry, default=str).decode())


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's `log_config` for `shouhu serve`: every logger, the service's own and
    uvicorn's, written to stderr as JSON lines at `level` (without a root handler, the
    service's lines below WARNING were dropped and the rest written as plain text)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.logging.JsonFormatter"}},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }
