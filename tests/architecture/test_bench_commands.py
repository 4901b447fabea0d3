"""Every benchmark command the docs write runs as written from the repository's root: a
module run with `python -m bench.<name>` (a file path would not find the `bench` package)
whose `main` answers `--help` and takes the options given, or a script of bench/ that
answers `--help`."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A command in backticks (it may wrap over lines in the Markdown source).
_COMMAND = re.compile(r"`([^`]*bench[^`]*)`")
_MODULE = re.compile(r"^(?:[A-Z_]+=\S+ )*\.venv/bin/python -m (bench\.\w+)(?: |$)")
_SCRIPT = re.compile(r"^(?:[A-Z_]+=\S+ )*(bench/\w+\.sh)(?: |$)")


def _commands() -> list[str]:
    found = []
    for doc in DOCS:
        for span in _COMMAND.findall(doc.read_text(encoding="utf-8")):
            command = " ".join(span.split())
            runs = command.startswith(".venv/") or "=" in command.split(" ")[0]
            # A directory (`bench/results/`) is not a command, nor a form with a placeholder
            # (`-m bench.<name>`); a file of bench/ is one.
            if "<" in command:
                continue
            if runs or (command.startswith("bench/") and not command.endswith("/")):
                found.append(command)
    return found


COMMANDS = _commands()


def test_the_docs_write_benchmark_commands() -> None:
    assert any(_MODULE.match(command) for command in COMMANDS)
    assert any(_SCRIPT.match(command) for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_documented_benchmark_command_runs_as_written(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module, script = _MODULE.match(command), _SCRIPT.match(command)
    assert module or script, (
        f"not `.venv/bin/python -m bench.<name>` nor a bench/ script: {command}"
    )
    if script:
        path = ROOT / script.group(1)
        done = subprocess.run(
            [str(path), "--help"], capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "Usage" in done.stdout
        return
    assert module is not None
    main = getattr(importlib.import_module(module.group(1)), "main", None)
    assert callable(main), f"{module.group(1)} has no main()"
    monkeypatch.setattr(sys, "argv", [module.group(1), "--help"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    # The options the docs give are the module's own.
    answer = capsys.readouterr().out
    for option in re.findall(r" (--[a-z-]+)", command):
        assert option in answer, f"{module.group(1)} has no {option}"
