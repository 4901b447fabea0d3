"""Running the `shouhu` command as a user runs it: a process with DATABASE_URL set."""

from __future__ import annotations

import os
import subprocess
import sys

from app import clock


def shouhu(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `shouhu ARGS` on database `url`, on the tests' pinned clock (SHOUHU_NOW)."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "COLUMNS": "200",
        "SHOUHU_NOW": clock.now().isoformat(),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
