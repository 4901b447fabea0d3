"""The embedded PostgreSQL server (pgserver wheel) used when no DATABASE_URL is set."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _pgserver() -> Any:
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on headless machines; harmless here.
        warnings.simplefilter("ignore")
        import pgserver

        return pgserver


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or join) the embedded server keeping its data in `data_dir`; yield its URL.

    pgserver counts the processes using a data directory, so a second command run while
    `shouhu serve` is up shares the same server, and the last one out stops it.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    server = _pgserver().get_server(str(data_dir), cleanup_mode="stop")
    log.info("embedded postgres running", extra={"data_dir": str(data_dir)})
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
