"""Resolving Relay nodes keyed by UUID through a DataLoader."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from schema.core.ids import parse_uuids

M = TypeVar("M")


async def load_nodes(
    loader: DataLoader[uuid.UUID, M | None],
    node_ids: Iterable[str],
    to_node: Callable[[M], Any],
) -> list[Any]:
    """Nodes for `node_ids` in order; None for malformed, unknown or out-of-scope ids alike."""
    ids = parse_uuids(node_ids)
    wanted = [i for i in ids if i is not None]
    rows = dict(zip(wanted, await loader.load_many(wanted), strict=True))
    return [None if i is None or rows[i] is None else to_node(rows[i]) for i in ids]  # type: ignore[arg-type]
