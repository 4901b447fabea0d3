"""Progress reporting for long commands: rich bars on a terminal, silence elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


class Advance(Protocol):
    """Moves one task's bar forward."""

    def __call__(self, amount: int = 1) -> None: ...


class Reporter(Protocol):
    """Something that can show the progress of named steps."""

    def step(self, description: str, total: int | None) -> AbstractContextManager[Advance]: ...


class SilentReporter:
    """Reports nothing: for tests and library use."""

    @contextmanager
    def step(self, description: str, total: int | None) -> Iterator[Advance]:
        """Run a step without showing anything."""
        yield lambda amount=1: None


class RichReporter:
    """Rich progress bars, one per step, on the console."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )

    def __enter__(self) -> RichReporter:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    @contextmanager
    def step(self, description: str, total: int | None) -> Iterator[Advance]:
        """Show a bar for the step; it completes when the step ends."""
        task = self._progress.add_task(description, total=total)

        def advance(amount: int = 1) -> None:
            self._progress.advance(task, amount)

        yield advance
        done = self._progress.tasks[task].completed
        self._progress.update(task, total=done if total is None else total, completed=done)
