"""The embedded PostgreSQL: processes on one data directory share its server and the last one
out stops it; a directory another major version of PostgreSQL made is refused, untouched."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from subprocess import PIPE

import asyncpg
import pytest

from app.embedded_db import DataDirectoryVersionError, embedded_postgres, server_major_version

# A second process joining the server of the directory given, as `shouhu token` does while
# `shouhu serve` is up: it prints the URL it got and leaves.
JOIN = """
import sys
from pathlib import Path
from app.embedded_db import embedded_postgres
with embedded_postgres(Path(sys.argv[1])) as url:
    print(url)
"""


def _contents(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().splitlines()[0])


def _ends(pid: int, within: float = 10.0) -> bool:
    """Whether process `pid` is gone within `within` seconds (a postmaster removes its pid
    file, which `pg_ctl stop` waits for, a moment before it exits)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


async def test_processes_share_the_server_and_the_last_one_out_stops_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    with embedded_postgres(data_dir) as url:
        server = _postmaster_pid(data_dir)
        joining = await asyncio.create_subprocess_exec(
            sys.executable, "-c", JOIN, str(data_dir), stdout=PIPE, stderr=PIPE
        )
        out, err = await asyncio.wait_for(joining.communicate(), timeout=60)
        assert joining.returncode == 0, err.decode()
        assert out.decode().strip() == url
        # The other process left, but this one still uses the server.
        assert _postmaster_pid(data_dir) == server
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SHOW server_version_num") >= "180000"
        finally:
            await conn.close()
    assert not (data_dir / "postmaster.pid").exists()
    assert _ends(server)


def _old_directory(tmp_path: Path) -> Path:
    """A data directory as PostgreSQL 16 (pgserver's) left it, as far as the check sees."""
    data_dir = tmp_path / "pg"
    (data_dir / "base" / "1").mkdir(parents=True)
    (data_dir / "PG_VERSION").write_text("16\n")
    (data_dir / "base" / "1" / "PG_VERSION").write_text("16\n")
    return data_dir


def test_a_directory_of_another_major_version_is_refused_untouched(tmp_path: Path) -> None:
    data_dir = _old_directory(tmp_path)
    before = _contents(data_dir)
    with pytest.raises(DataDirectoryVersionError) as refused, embedded_postgres(data_dir):
        pytest.fail("the server started on PostgreSQL 16's directory")
    assert (refused.value.found, refused.value.expected) == ("16", server_major_version())
    message = str(refused.value)
    assert message.count(str(data_dir)) == 2  # in Chinese, then in English
    assert "PostgreSQL 16 的数据" in message
    assert f"the embedded PostgreSQL {server_major_version()} cannot open" in message
    assert _contents(data_dir) == before
    assert not (data_dir / "postmaster.pid").exists()


def test_a_command_on_an_old_directory_says_what_to_do(tmp_path: Path) -> None:
    data_dir = _old_directory(tmp_path)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    refused = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        env={**env, "SHOUHU_DATA_DIR": str(tmp_path), "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2, refused.stderr
    assert "Traceback" not in refused.stderr
    assert f"{data_dir} 中是 PostgreSQL 16 的数据" in refused.stderr
    assert f"{data_dir} holds the data of PostgreSQL 16" in refused.stderr
    assert "Move the directory aside" in refused.stderr
