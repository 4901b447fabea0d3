"""A streaming replica of the tests' PostgreSQL server, made with `pg_basebackup` (shipped
with the embedded server) and started on a socket directory of its own, for the tests of
reports read from a replica (tests/deployment/test_replica.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from app.database import libpq_url
from tests.server_user import server_user


class Replica:
    """A running standby: URLs of its databases, and its replay paused or resumed."""

    def __init__(self, socket_dir: Path) -> None:
        self.socket_dir = socket_dir

    def url(self, primary_url: str) -> str:
        """The URL of the replica's copy of the database and user of `primary_url`."""
        parsed = make_url(primary_url)
        query = {**parsed.query, "host": str(self.socket_dir)}
        return libpq_url(parsed.set(host=None, port=None, query=query).render_as_string(False))

    async def run(self, sql: str) -> object:
        """One statement on the replica as the superuser; its value."""
        conn = await asyncpg.connect(self.url("postgresql://postgres@/postgres"))
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()


@contextlib.contextmanager
def streaming_replica(server_url: str, bindir: str) -> Iterator[Replica]:
    """A replica of the whole server at `server_url` (whose binaries are in `bindir`),
    streaming from it until the context ends, then stopped and removed."""
    primary_socket = make_url(server_url).query.get("host")
    assert isinstance(primary_socket, str), "the tests' server is reached by its socket"
    owner = server_user(server_url)
    with tempfile.TemporaryDirectory(prefix="shouhu-replica-") as name:
        directory = Path(name)
        data = directory / "data"
        run = _as(owner)
        shutil.chown(directory, owner)
        run([f"{bindir}/pg_basebackup", "-h", primary_socket, "-U", "postgres", "-D", str(data),
             "-R", "-X", "stream", "-c", "fast"])  # fmt: skip
        ctl = [f"{bindir}/pg_ctl", "-D", str(data), "-l", str(directory / "log")]
        run([*ctl, "-w", "-o", f"-h '' -k {directory}", "start"])
        try:
            yield Replica(directory)
        finally:
            run([*ctl, "-m", "immediate", "stop"])


def _as(owner: str) -> Callable[[list[str]], None]:
    """A runner of commands as the server's own user (PostgreSQL will not run as root)."""
    user = owner if os.geteuid() == 0 else None

    def run(command: list[str]) -> None:
        subprocess.run(command, check=True, capture_output=True, timeout=120, user=user)

    return run
