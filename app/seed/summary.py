"""What a seeding run reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedSummary:
    """What a seeding run wrote."""

    area: str
    villages: int
    counts: dict[str, int]

    def line(self) -> str:
        """A one-line summary for the console."""
        parts = ", ".join(f"{n:,} {t}" for t, n in self.counts.items() if n)
        return f"{self.area}: {self.villages:,} villages; {parts}"
