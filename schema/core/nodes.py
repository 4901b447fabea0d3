"""Resolving Relay nodes keyed by UUID through a DataLoader."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import strawberry
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


def global_id(type_name: str, key: uuid.UUID) -> strawberry.ID:
    """The Relay global id of a row, for fields that point at another object by id."""
    return strawberry.ID(base64.b64encode(f"{type_name}:{key}".encode()).decode())
