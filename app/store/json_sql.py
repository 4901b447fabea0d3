"""SQL expressions that write a response as the GraphQL API writes it: the building blocks of
the compiled read path (schema/compiler). The functions they call are migration 0029's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, case, cast, false, func, literal_column, true
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

from app.database import sql_literal


def sql_text(value: str) -> ColumnElement[str]:
    """A constant of the schema (a field name, an enum name) written into the statement: its
    text is the same for every request, so the statement is too."""
    return literal_column(sql_literal(value), String)


def json_object(pairs: Iterable[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
    """`json_build_object` of (key, value) pairs, keys in the given order."""
    args: list[ColumnElement[Any]] = []
    for key, value in pairs:
        args += [sql_text(key), value]
    return func.json_build_object(*args, type_=JSON)


def json_list(
    item: ColumnElement[Any],
    order_by: Sequence[ColumnElement[Any]] = (),
    where: ColumnElement[bool] | None = None,
) -> ColumnElement[Any]:
    """The items of a group (those meeting `where`) as a JSON array in order, `[]` when
    there are none."""
    function = (
        func.json_agg(aggregate_order_by(item, *order_by)) if order_by else func.json_agg(item)
    )
    aggregated: ColumnElement[Any] = function if where is None else function.filter(where)
    return func.coalesce(aggregated, literal_column("'[]'::json", JSON))


def global_id(type_name: str, key: ColumnElement[Any]) -> ColumnElement[str]:
    """The Relay global id of the row `key` of GraphQL type `type_name` (app/global_ids.py);
    null where `key` is null."""
    return func.gql_global_id(sql_text(type_name), key, type_=String)


def cursor(sort_key: ColumnElement[str]) -> ColumnElement[str]:
    """A page cursor of a sort key (schema/core/pagination.encode_cursor)."""
    return func.gql_cursor(sort_key, type_=String)


def iso_datetime(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A time written as `datetime.isoformat()` writes the UTC time the driver returns."""
    return func.gql_datetime(value, type_=String)


def enum_name(value: ColumnElement[Any], names: dict[str, str]) -> ColumnElement[str]:
    """A stored enum value as its GraphQL name (null stays null); `names`: stored → name."""
    return case(*[(value == sql_text(stored), sql_text(name)) for stored, name in names.items()])


def enum_names(values: ColumnElement[Any], names: dict[str, str]) -> ColumnElement[Any]:
    """A stored array of enum values as a JSON array of GraphQL names, in order."""
    stored = "ARRAY[" + ",".join(map(sql_literal, names)) + "]::text[]"
    shown = "ARRAY[" + ",".join(map(sql_literal, names.values())) + "]::text[]"
    return func.gql_enum_names(
        cast(values, ARRAY(String)),
        literal_column(stored),
        literal_column(shown),
        type_=JSON,
    )


def sql_condition(condition: ColumnElement[bool] | bool) -> ColumnElement[bool]:
    """A condition that may be a constant, as SQL."""
    if isinstance(condition, bool):
        return true() if condition else false()
    return condition
