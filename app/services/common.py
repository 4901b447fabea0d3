"""What every write service needs: who acts, the time, loading a visible row, idempotent
creates, partial updates."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_type_hints

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.validation import Problem
from app.errors import check_version, not_found, refuse
from app.idcrypto import sealed_id_number_columns
from authz.guard import require
from authz.scope import Scope

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

M = TypeVar("M", bound=Any)
D = TypeVar("D", bound="DataclassInstance")

Changes = Mapping[str, object]
"""The fields a caller sent, by snake_case name: a field left out is not a key, an explicit
null is None. Creates and updates alike take their input this way; an update changes only
these fields."""


@dataclass(frozen=True)
class Actor:
    """Who writes, with what they may do, and when."""

    scope: Scope
    now: datetime

    @property
    def user_id(self) -> uuid.UUID | None:
        """The acting account (None for an integration's key)."""
        return self.scope.principal.user_id

    @property
    def organization_id(self) -> uuid.UUID | None:
        """The organization the actor acts for (a key's own; None for some accounts)."""
        return self.scope.principal.organization_id

    @property
    def today(self) -> date:
        """The day of the write, in the service's time zone."""
        return clock.local_day(self.now)


async def existing_create(
    session: AsyncSession, model: type[M], record_id: uuid.UUID | None, values: dict[str, Any]
) -> M | None:
    """For a create with a client-generated id: the row already made by an earlier attempt
    with the same content (a retry: nothing to write), None if there is none yet, and
    IDEMPOTENCY_CONFLICT if the id was used for different content."""
    if record_id is None:
        return None
    row = await session.get(model, record_id)
    if row is None:
        return None
    if any(getattr(row, key) != value for key, value in values.items()):
        raise refuse("IDEMPOTENCY_CONFLICT", "id", "this id was already used for other content")
    return row


async def load_visible(
    session: AsyncSession, model: type[M], record_id: uuid.UUID, field: str, what: str
) -> M:
    """A live row the caller may see, or NOT_FOUND (the two cannot be told apart)."""
    row = await session.get(model, record_id)
    if row is None or row.deleted_at is not None:
        raise not_found(field, what)
    return row


async def load_for_write(
    session: AsyncSession,
    actor: Actor,
    model: type[M],
    record_id: uuid.UUID,
    expected_version: int,
    *,
    field: str,
    what: str,
    permission: tuple[str, str],
) -> M:
    """The row an edit changes, in this order: a live row the caller may see (NOT_FOUND, on
    `field`), the (object, action) `permission` in its area (FORBIDDEN, on `field`), at the
    version the caller saw (VERSION_CONFLICT, with the row as it is)."""
    row = await load_visible(session, model, record_id, field, what)
    obj, act = permission
    require(actor.scope, obj, act, row.area_code, field=field)
    check_version(row, expected_version)
    return row


def camel(name: str) -> str:
    """A snake_case field name as the API spells it (`birth_date` -> `birthDate`)."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class New:
    """A record to create: the id the app made for it (None: the server makes one) and the
    fields sent."""

    id: uuid.UUID | None
    changes: Changes


@cache
def _nullable(record: type[Any]) -> frozenset[str]:
    """The fields of a record that may be None (their type says `| None`)."""
    hints = get_type_hints(record)
    return frozenset(
        field.name for field in fields(record) if type(None) in get_args(hints[field.name])
    )


def _merge(
    record: type[D], columns: Collection[str], changes: Changes, stored: object, prefix: str
) -> tuple[D | None, list[Problem]]:
    values: dict[str, object] = {}
    found: list[Problem] = []
    complete = True
    for field in fields(record):
        name = field.name
        if name in changes and changes[name] is None and name not in _nullable(record):
            found.append(Problem("REQUIRED", prefix + camel(name), "this field cannot be empty"))
        elif name in changes:
            values[name] = changes[name]
            continue
        if stored is not None and name in columns:
            values[name] = getattr(stored, name)
        elif field.default is MISSING and field.default_factory is MISSING:
            complete = False
            if name not in changes:
                found.append(Problem("REQUIRED", prefix + camel(name), "this field is required"))
    return (record(**values) if complete else None), found


def merge_create(
    record: type[D], changes: Changes, *, prefix: str = ""
) -> tuple[D | None, list[Problem]]:
    """A new record from the fields sent, the others at the record's defaults.

    REQUIRED for each field left out that has no default, and for each field sent as null
    that the record's type does not let be None (which then takes its default). The record
    is None when a field without default is missing: its rules cannot be checked without it.
    Keys of `changes` that are not fields of the record are ignored.
    """
    return _merge(record, (), changes, None, prefix)


def record_of(record: type[D], changes: Changes) -> D:
    """A record whose fields may all be left out (each has a default and may be None), from
    the fields sent; keys of `changes` that are not fields of the record are ignored."""
    merged, found = _merge(record, (), changes, None, "")
    if merged is None or found:
        raise TypeError(f"{record.__name__} has fields that must be sent")
    return merged


def merge_update(
    record: type[D], model: type[Any], stored: object, changes: Changes, *, prefix: str = ""
) -> tuple[D, list[Problem]]:
    """The stored row as it will be: each field as sent, the others as stored in `model`'s
    row, so the rules across fields see the whole record. REQUIRED for each field sent as
    null that the record's type does not let be None (the stored value stands in for it, so
    every other problem is found too). Keys of `changes` that are not fields of the record
    are ignored."""
    # Attributes over columns of their own: a sealed ID number is stored as it is opened.
    stored_fields = {*inspect(model).columns.keys(), *sealed_id_number_columns(model)}
    merged, found = _merge(record, stored_fields, changes, stored, prefix)
    if merged is None:  # every field of the record is a column of the stored row
        raise TypeError(f"{record.__name__} has fields that {model.__name__} does not store")
    return merged, found


def values_of(record: DataclassInstance, *, exclude: Collection[str] = ()) -> dict[str, Any]:
    """The fields of a record by name, as the columns of the same names take them (lists
    copied): what a create writes, before the service's own normalizing of a few."""
    return {
        field.name: list(value) if isinstance(value := getattr(record, field.name), list) else value
        for field in fields(record)
        if field.name not in exclude
    }


def write_changes(row: object, values: Mapping[str, object], changes: Changes) -> None:
    """Set on the row the values (as they are stored) of the fields sent, and only those."""
    for key, value in values.items():
        if key in changes:
            setattr(row, key, value)
