"""The operating-system user the tests' PostgreSQL server runs as: the tools the tests start
beside it (PgBouncer, a replica's pg_basebackup and server) refuse to run as root, and run as
it instead when the tests do."""

from __future__ import annotations

import pwd
from pathlib import Path

from sqlalchemy.engine import make_url


def server_user(server_url: str) -> str:
    """The owner of the server's socket directory (the embedded server's own user), or
    `nobody` for a server reached over TCP."""
    socket_dir = make_url(server_url).query.get("host")
    if not isinstance(socket_dir, str):
        return "nobody"
    return pwd.getpwuid(Path(socket_dir).stat().st_uid).pw_name
