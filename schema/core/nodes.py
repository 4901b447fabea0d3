"""Resolving Relay nodes keyed by UUID through a DataLoader."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.dataloader import DataLoader

from app.global_ids import encode_global_id
from schema.core.ids import parse_uuids

if TYPE_CHECKING:
    from schema.context import Info

M = TypeVar("M")
T = TypeVar("T")


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


async def read_nodes(
    info: Info,
    node_ids: Iterable[str],
    fetch: Callable[[AsyncSession, list[uuid.UUID]], Awaitable[Sequence[Any]]],
    to_node: Callable[[Any], Any],
) -> list[Any]:
    """Nodes for `node_ids` in order, their rows read in one statement by `fetch` (rows the
    caller may see, each with its `id`), for types looked up too seldom for a loader; None
    for malformed, unknown or out-of-scope ids alike."""
    ids = parse_uuids(node_ids)
    wanted = [i for i in ids if i is not None]
    rows = await info.context.db.read(lambda session: fetch(session, wanted))
    found = {row.id: row for row in rows if row is not None}
    return [to_node(found[i]) if i in found else None for i in ids]


def global_id(type_name: str, key: uuid.UUID) -> strawberry.ID:
    """The Relay global id of a row, for fields that point at another object by id."""
    return strawberry.ID(encode_global_id(type_name, key))


def from_row(cls: type[T], row: object, /, **overrides: object) -> T:
    """A GraphQL type's view of a row, its fields stated once (on the type): each field the
    type takes is the row's attribute of the same name (a Relay node's id as a string, a
    list copied), but those given in `overrides`: global ids of related rows, computed,
    masked or private values, and fields the row names otherwise."""
    node_id = cls.resolve_id_attr() if issubclass(cls, relay.Node) else None
    values: dict[str, object] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not field.init or field.name in overrides:
            continue
        value = getattr(row, field.name)
        if field.name == node_id:
            value = str(value)
        elif isinstance(value, list):
            value = list(value)
        values[field.name] = value
    made: T = cls(**values, **overrides)
    return made
