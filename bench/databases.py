"""The command line of the benchmarks that build a throw-away database of their own."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from app.database import database_url
from app.settings import Settings

Run = Callable[[str, Settings, int, int], Coroutine[Any, Any, None]]


def run_on_throwaway_database(
    description: str, name: str, run: Run, *, children: int, rounds: int
) -> None:
    """Parse `--children` and `--rounds`, run on `DATABASE_URL` or on an embedded database
    under bench/results/NAME, which is removed afterwards unless BENCH_KEEP_DB=1."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--children", type=int, default=children)
    parser.add_argument("--rounds", type=int, default=rounds)
    args = parser.parse_args()
    data_dir = Path("bench/results") / name
    if not os.environ.get("DATABASE_URL"):
        os.environ["SHOUHU_DATA_DIR"] = str(data_dir)
    # A service a benchmark starts would run the daily job across the database meanwhile.
    os.environ.setdefault("SHOUHU_DAILY_JOB", "false")
    settings = Settings()
    with database_url(settings) as url:
        asyncio.run(run(url, settings, args.children, args.rounds))
    if not os.environ.get("DATABASE_URL") and os.environ.get("BENCH_KEEP_DB") != "1":
        shutil.rmtree(data_dir, ignore_errors=True)
