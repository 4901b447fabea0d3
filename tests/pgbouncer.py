"""PgBouncer in transaction mode in front of the tests' PostgreSQL server (Debian's
`pgbouncer` package), on a free loopback port, for the tests that show the service works
behind a pooler (tests/deployment/test_pgbouncer.py, and the authorization suite run through
one: `make test-pooled`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.database import libpq_url
from tests.server_user import server_user

PGBOUNCER = "/usr/sbin/pgbouncer"
INSTALL = "apt-get install -y pgbouncer"


def require_pgbouncer() -> None:
    """Skip, saying how to install it, where PgBouncer is not installed."""
    if not Path(PGBOUNCER).exists():
        pytest.skip(f"PgBouncer is not installed at {PGBOUNCER}: {INSTALL}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def pgbouncer(server_url: str, *, pool_size: int) -> Iterator[str]:
    """PgBouncer (transaction mode, `pool_size` server connections per database and user) in
    front of the server at `server_url`; yields its `host:port`. Stopped on exit."""
    require_pgbouncer()
    server = make_url(server_url)
    socket_dir = server.query.get("host")
    if isinstance(socket_dir, str):
        target = f"host={socket_dir}"
    else:
        target = f"host={server.host} port={server.port or 5432}"
    # A directory of its own (not pytest's, which only root may enter): PgBouncer may run as
    # another user.
    with (
        tempfile.TemporaryDirectory(prefix="shouhu-pgbouncer-") as name,
        _started(Path(name), target, server_user(server_url), pool_size) as address,
    ):
        yield address


@contextlib.contextmanager
def _started(directory: Path, target: str, owner: str, pool_size: int) -> Iterator[str]:
    port = _free_port()
    users = directory / "users.txt"
    users.write_text("".join(f'"{user}" ""\n' for user in ("postgres", "shouhu_app")))
    config = directory / "pgbouncer.ini"
    config.write_text(
        f"""[databases]
* = {target}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {users}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
logfile = {directory / "pgbouncer.log"}
"""
    )
    command = [PGBOUNCER, str(config)]
    if os.geteuid() == 0:
        # PgBouncer will not run as root: it runs as the server's own user, who may read
        # the server's socket directory.
        shutil.chown(directory, owner)
        for path in directory.iterdir():
            shutil.chown(path, owner)
        with config.open("a") as extra:
            extra.write(f"user = {owner}\n")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port, process)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"PgBouncer stopped at start (exit {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("PgBouncer did not start listening")


def through(pooler: str, url: str) -> str:
    """The URL of the same database and user as `url`, through the pooler at `pooler`."""
    host, port = pooler.split(":")
    parsed = make_url(url)
    query = {k: v for k, v in parsed.query.items() if k != "host"}
    routed = parsed.set(host=host, port=int(port), query=query)
    return libpq_url(routed.render_as_string(hide_password=False))
