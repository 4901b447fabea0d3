"""How SQL serves each GraphQL field: the one mapping the compiled read path uses.

Each type declares its mapping beside itself (`Child`'s in schema/children/types.py), each
root field beside its resolver (schema/children/query.py). A field of a mapped type is its
model's column of the same name unless the type says otherwise (`columns`), a related object
or list (`related`), or a nested page (`pages`). A field with no mapping makes its document
fall back to strawberry (schema/compiler/documents.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

from authz.fields import Condition
from authz.scope import Scope


@dataclass
class Compilation:
    """What one compiled statement is built for: the caller's scope and the day (the views,
    `age`, `visitOverdue`); `now` is the statement's parameter for the moment it runs."""

    scope: Scope
    today: date
    now: ColumnElement[datetime]
    # The root field's arguments, as its resolver gets them (for Computed values).
    arguments: Mapping[str, Any] = field(default_factory=dict)
    # Whether the response holds values the service computes (Computed) before answering.
    computed: bool = False


ColumnSql = Callable[[Any, Compilation], ColumnElement[Any]]
Terms = Sequence[ColumnElement[bool]]


def _unordered(_row: Any) -> Sequence[ColumnElement[Any]]:
    return ()


@dataclass(frozen=True)
class Related:
    """A field served by rows of another mapped type: `link(parent, row, compilation)` are
    the terms that tie a row to its parent; `many` gives a list in `order_by`'s order, else
    the first row (or null). `keep(parent, row)`, if given, is the condition under which the
    row found is shown rather than null."""

    type_name: str
    link: Callable[[Any, Any, Compilation], Terms]
    many: bool = False
    order_by: Callable[[Any], Sequence[ColumnElement[Any]]] = _unordered
    keep: Callable[[Any, Any], ColumnElement[bool]] | None = None
    count: bool = False  # the number of the rows, not the rows


@dataclass(frozen=True)
class Page:
    """A field that is a Relay connection of another mapped type under a row (a child's
    visits): its rows by `link`, in `order_by`'s order (keyset: `cursor_key` is the text of a
    row's cursor, as the strawberry path writes it)."""

    type_name: str
    link: Callable[[Any, Any, Compilation], Terms]
    order_by: Callable[[Any], Sequence[ColumnElement[Any]]]
    cursor_key: Callable[[Any], ColumnElement[str]]


@dataclass(frozen=True)
class Computed:
    """A field only Python computes (an ID number, sealed with AES-GCM; a case's next steps,
    by the workflow's rules): the statement sends `inputs(row, compilation)` in its place
    and the service puts `value(compilation, inputs)` there before answering. `shown` is the
    view's condition (null where false, nothing computed);
    `read(row, compilation)`, if given, is (where the showing is audited, its record:
    `Child:<id>`)."""

    inputs: Callable[[Any, Compilation], Sequence[ColumnElement[Any]]]
    value: Callable[[Compilation, list[Any]], object]
    shown: Callable[[Any, Compilation], Condition] = lambda _row, _compilation: True
    read: Callable[[Any, Compilation], tuple[Condition, ColumnElement[str]]] | None = None


def _always(_row: Any, _compilation: Compilation, _name: str) -> Condition:
    return True


@dataclass(frozen=True)
class SqlType:
    """A GraphQL object type served by SQL: its model, and how each field is read.

    `shown(row, compilation, field)` is the caller's view of the row (authz/fields.py's rules
    as SQL): True, False, or a condition; a field not shown is null. `computed` are the
    fields Python computes. `audited(row, compilation)` marks rows whose showing is written
    to the audit trail (a child's file in full), and `id_number_full` whether its ID number
    is shown in full (the audit notes it); `node(row, key)` the terms that find the row of
    a global id's key for the `node` root field.
    """

    name: str
    model: type[Any]
    columns: Mapping[str, ColumnSql] = field(default_factory=dict)
    related: Mapping[str, Related] = field(default_factory=dict)
    pages: Mapping[str, Page] = field(default_factory=dict)
    shown: Callable[[Any, Compilation, str], Condition] = _always
    computed: Mapping[str, Computed] = field(default_factory=dict)
    audited: Callable[[Any, Compilation], Condition] | None = None
    id_number_full: Callable[[Any, Compilation], Condition] | None = None
    # How `node(id:)` finds the row of a key (as the type's resolve_nodes); None: it does not.
    node: Callable[[Any, uuid.UUID], Terms] | None = None


@dataclass(frozen=True)
class Listed:
    """The rows a root list field gives, for its arguments: the WHERE terms, the keyset
    order and the text of a row's cursor; `listing` marks a list of children (authz/session)."""

    where: Terms
    order_by: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]]
    cursor_key: ColumnElement[str]
    after: Terms = ()
    listing: bool = True


@dataclass(frozen=True)
class RootList:
    """A root field that is a Relay connection of `type_name`: `rows(row, arguments,
    compilation)` gives what it lists (raising QueryError for arguments it refuses: the
    request then goes the strawberry way, which answers the error)."""

    type_name: str
    rows: Callable[[Any, Mapping[str, Any], Compilation], Listed]


@dataclass(frozen=True)
class RootOne:
    """A root field that is one object of `type_name` or null: `where(row, arguments,
    compilation)`, or None when the arguments name nothing (null without a statement)."""

    type_name: str
    where: Callable[[Any, Mapping[str, Any], Compilation], Terms | None]


@dataclass(frozen=True)
class RootCustom:
    """A root field whose statement is its own (syncPull's page of changes): `prepare(
    arguments, compilation)` reads the request's arguments (QueryError for those it refuses),
    `terms(prepared)` are the WHERE terms that carry the request's values (the statement is
    compiled once per their shape and bound to their values), and `statement(builder, node,
    prepared)` builds the statement, with those very terms in it. `observe(value)`, if set,
    sees each answer's root value (the metrics of what was sent)."""

    prepare: Callable[[Mapping[str, Any], Compilation], Any]
    terms: Callable[[Any], Terms]
    statement: Callable[[Any, Any, Any], Any]
    observe: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class RootNode:
    """The `node(id:)` root field: the object of the type its global id names, found by that
    type's `node` terms, with the inline fragments on that type (those on other types are
    not selected); an id of a type without them goes the strawberry way."""
