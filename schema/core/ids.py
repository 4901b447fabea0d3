"""Global ids: decoding the key part without trusting it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable


def parse_uuids(raw_ids: Iterable[str]) -> list[uuid.UUID | None]:
    """Each id as a UUID, or None where it is not one (such an id is simply not found)."""
    parsed: list[uuid.UUID | None] = []
    for raw in raw_ids:
        try:
            parsed.append(uuid.UUID(raw))
        except ValueError:
            parsed.append(None)
    return parsed
