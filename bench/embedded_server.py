"""The embedded PostgreSQL's own costs (docs/database.md): starting on a new data directory
(initdb and start), stopping, starting on an existing one, and the memory of the idle server
(the proportional set size of its processes, shared pages divided among them)."""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from app.embedded_db import embedded_postgres, server_major_version


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (name) state ppid …": the name may hold spaces, so split after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _pss_mib(pid: int) -> float:
    total_kib = 0
    for process in [pid, *_children(pid)]:
        for line in Path(f"/proc/{process}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def _postmaster(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().splitlines()[0])


def main() -> None:
    """Measure `--runs` times on throw-away directories; print the medians."""
    parser = argparse.ArgumentParser(description="Start, stop and memory of the embedded server.")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"new": [], "stop": [], "existing": [], "pss": []}
    for _ in range(args.runs):
        base = Path(tempfile.mkdtemp(prefix="shouhu-embedded-"))
        data_dir = base / "pg"
        try:
            started = time.perf_counter()
            with embedded_postgres(data_dir):
                figures["new"].append(time.perf_counter() - started)
                stopping = time.perf_counter()
            figures["stop"].append(time.perf_counter() - stopping)
            started = time.perf_counter()
            with embedded_postgres(data_dir):
                figures["existing"].append(time.perf_counter() - started)
                time.sleep(1)  # the background processes settle
                figures["pss"].append(_pss_mib(_postmaster(data_dir)))
        finally:
            shutil.rmtree(base, ignore_errors=True)
    print(f"PostgreSQL {server_major_version()}, {args.runs} runs, medians:")
    print(f"  start on a new directory      {statistics.median(figures['new']):.2f} s")
    print(f"  stop                          {statistics.median(figures['stop']):.2f} s")
    print(f"  start on an existing one      {statistics.median(figures['existing']):.2f} s")
    print(f"  idle server's memory (PSS)    {statistics.median(figures['pss']):.1f} MiB")


if __name__ == "__main__":
    main()
