"""From an operation's selection to one SQL statement that returns its response JSON.

The statement is built from the mapping declared beside each type (schema/compiler/mapping.py):
objects with `json_build_object`, lists with `json_agg`, related rows as correlated
subqueries, pages with keyset limits and the strawberry path's cursors. It is an ORM select of
the root field's rows, so the session applies the caller's predicates to every entity in it
(authz/session.py), as it does to every other read, and row-level security bounds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    is_abstract_type,
)
from graphql.execution.values import get_argument_values
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import True_
from strawberry.utils.str_converters import to_snake_case

from app.store.json_sql import (
    cursor,
    enum_name,
    enum_names,
    global_id,
    iso_datetime,
    json_list,
    json_object,
    sql_condition,
    sql_text,
)
from schema.compiler.mapping import (
    Compilation,
    Listed,
    Page,
    Related,
    RootList,
    RootOne,
    SqlType,
)
from schema.core.pagination import page_size

PAGE_SIZE = bindparam("page_size", None, type_=Integer, required=False)
"""A root page's size: a parameter of the statement, bound per request."""


class NotCompiled(Exception):
    """A selection the mapping does not serve: its document goes the strawberry way."""


def selected_fields(selection_set: SelectionSetNode | None) -> list[FieldNode]:
    """The fields of a selection set; fragments and directives are not compiled."""
    if selection_set is None:
        raise NotCompiled("a selection set was expected")
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            raise NotCompiled("fragments and directives are not compiled")
        found.append(selection)
    return found


def object_fields(
    schema: GraphQLSchema, selection_set: SelectionSetNode | None, gql_type: GraphQLObjectType
) -> list[FieldNode]:
    """The fields an object of `gql_type` is asked for: those of the selection set and of its
    inline fragments that apply to the type (on it, or on an interface or union it is part
    of); the others are not selected, as GraphQL does. Named fragments and directives are
    not compiled, nor a field asked twice with selections of its own (they would merge)."""
    if selection_set is None:
        raise NotCompiled("a selection set was expected")
    found: dict[str, FieldNode] = {}
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode) and not selection.directives:
            condition = selection.type_condition
            named = None if condition is None else schema.get_type(condition.name.value)
            applies = (
                named is None
                or named is gql_type
                or (is_abstract_type(named) and schema.is_sub_type(named, gql_type))
            )
            fields = object_fields(schema, selection.selection_set, gql_type) if applies else []
        else:
            fields = selected_fields(SelectionSetNode(selections=(selection,)))
        for node in fields:
            key = response_key(node)
            if key in found and (node.selection_set or found[key].selection_set):
                raise NotCompiled(f"{key} is asked for twice")
            found.setdefault(key, node)
    return list(found.values())


def response_key(node: FieldNode) -> str:
    """The key a field has in the response: its alias or its name."""
    return node.alias.value if node.alias else node.name.value


class StatementBuilder:
    """Builds the statements of one request: the schema, the mapping and the variables
    (graphql-core's coerced `VariableValues`)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        types: Mapping[str, SqlType],
        compilation: Compilation,
        variables: Any,
    ) -> None:
        self.schema = schema
        self.types = types
        self.compilation = compilation
        self.variables = variables
        # Whether the statement's root notes files for the audit trail (`audited_files`).
        self.audited = False
        # Whether the response may note records read in full (Computed.read).
        self.notes_reads = False
        # Whether rows below the root note their files for the audit trail (`"$file"`).
        self.notes_files = False
        # The root's WHERE terms, each time they were built: the values a request sends.
        self.variable_terms: list[list[ColumnElement[bool]]] = []

    def _object_type(self, name: str) -> tuple[SqlType, GraphQLObjectType]:
        sql_type = self.types.get(name)
        gql_type = self.schema.get_type(name)
        if sql_type is None or not isinstance(gql_type, GraphQLObjectType):
            raise NotCompiled(f"no SQL mapping for {name}")
        return sql_type, gql_type

    def arguments(self, gql_type: GraphQLObjectType, node: FieldNode) -> dict[str, Any]:
        """A field's arguments, coerced as graphql-core coerces them."""
        return get_argument_values(gql_type.fields[node.name.value], node, self.variables)

    def object_json(
        self,
        type_name: str,
        row: Any,
        selection_set: SelectionSetNode | None,
        *,
        root: bool = False,
    ) -> ColumnElement[Any]:
        """A row of a mapped type as the JSON object the selection asks for. A row below the
        root whose showing is audited notes its file (`"$file"`, as `audited_files` writes
        one; null when not audited), which the service removes before answering."""
        sql_type, gql_type = self._object_type(type_name)
        fields = object_fields(self.schema, selection_set, gql_type)
        pairs = [
            (response_key(node), self._field(sql_type, gql_type, row, node)) for node in fields
        ]
        if not root:
            noted = self._file(sql_type, row, fields)
            if noted is not None:
                pairs.append(("$file", noted))
        return json_object(pairs)

    def _file(
        self, sql_type: SqlType, row: Any, fields: list[FieldNode]
    ) -> ColumnElement[Any] | None:
        """A nested row's file for the audit trail: {child, area, full: its ID number shown
        in full} where its showing is audited, else null; None when it never is (an object:
        a JSON path would take an array apart)."""
        if sql_type.audited is None:
            return None
        audited = sql_type.audited(row, self.compilation)
        if audited is False:
            return None
        self.audited = self.notes_files = True
        # The marker is taken out of the response in Python (documents._computed).
        self.compilation.computed = True
        number_full: ColumnElement[bool] = false()
        if sql_type.id_number_full is not None and any(
            node.name.value == "idNumber" for node in fields
        ):
            number_full = sql_condition(sql_type.id_number_full(row, self.compilation))
        item = json_object([("child", row.id), ("area", row.area_code), ("full", number_full)])
        return case((sql_condition(audited), item), else_=null())

    def _field(
        self, sql_type: SqlType, gql_type: GraphQLObjectType, row: Any, node: FieldNode
    ) -> ColumnElement[Any]:
        name = node.name.value
        if name == "__typename":
            return sql_text(gql_type.name)
        if name in sql_type.related:
            return self._related(sql_type.related[name], row, node)
        if name in sql_type.pages:
            return self._nested_page(sql_type.pages[name], gql_type, row, node)
        if name in sql_type.computed:
            return self._computed(sql_type, row, name)
        if node.selection_set is not None or node.arguments or name not in gql_type.fields:
            raise NotCompiled(f"{gql_type.name}.{name} has no SQL mapping")
        snake = to_snake_case(name)
        if name in sql_type.columns:
            value = sql_type.columns[name](row, self.compilation)
        elif name == "id":
            value = global_id(sql_type.name, row.id)
        elif snake in sql_type.model.__table__.columns:
            value = getattr(row, snake)
        else:
            raise NotCompiled(f"{gql_type.name}.{name} has no SQL mapping")
        return shown_or_null(
            sql_type.shown(row, self.compilation, snake),
            as_graphql(value, gql_type.fields[name].type),
        )

    def _related(self, related: Related, parent: Any, node: FieldNode) -> ColumnElement[Any]:
        row = aliased(self.types[related.type_name].model)
        terms = related.link(parent, row, self.compilation)
        if related.count:
            return select(func.count()).select_from(row).where(*terms).scalar_subquery()
        item = self.object_json(related.type_name, row, node.selection_set)
        if related.many:
            return select(json_list(item, related.order_by(row))).where(*terms).scalar_subquery()
        if related.keep is not None:
            item = case((related.keep(parent, row), item), else_=null())
        query = select(item).where(*terms).order_by(*related.order_by(row)).limit(1)
        return query.scalar_subquery()

    def _nested_page(
        self, page: Page, gql_type: GraphQLObjectType, parent: Any, node: FieldNode
    ) -> ColumnElement[Any]:
        arguments = self.arguments(gql_type, node)
        if arguments.get("after") is not None or set(arguments) - {"first", "after"}:
            raise NotCompiled("a nested page is compiled from its first page only")
        return self.connection(
            page.type_name,
            node,
            lambda row: Listed(
                where=page.link(parent, row, self.compilation),
                order_by=page.order_by(row),
                cursor_key=page.cursor_key(row),
            ),
            size=page_size(arguments.get("first")),
        ).scalar_subquery()

    def _computed(self, sql_type: SqlType, row: Any, name: str) -> ColumnElement[Any]:
        computed = sql_type.computed[name]
        shown = computed.shown(row, self.compilation)
        if shown is False:
            return null()
        self.compilation.computed = True
        pairs = [
            ("$py", sql_text(f"{sql_type.name}.{name}")),
            ("args", func.json_build_array(*computed.inputs(row, self.compilation))),
        ]
        if computed.read is not None:
            self.notes_reads = True
            # What the audit trail notes (schema/compiler/audit.py): the record shown in full.
            full, record = computed.read(row, self.compilation)
            pairs.append(("$read", case((sql_condition(full), record), else_=null())))
        return shown_or_null(shown, json_object(pairs))

    def connection(
        self,
        type_name: str,
        node: FieldNode,
        listed: Callable[[Any], Listed],
        *,
        size: int | ColumnElement[int],
        root: bool = False,
    ) -> Select[Any]:
        """A Relay connection as one aggregate over its page: `listed(row)` says which rows,
        in which order, with which cursors (called once more for totalCount). A root list
        reads the model itself (its criteria name it), audited; a nested one an alias."""
        model = self.types[type_name].model
        source = model if root else aliased(model)
        rows = listed(source)
        page_rows = (
            select(source, func.row_number().over(order_by=rows.order_by).label("n"))
            .where(*rows.where, *rows.after)
            .order_by(*rows.order_by)
            .limit(size + 1)
        )
        # A nested page reads its parent's row: LATERAL.
        inner = page_rows.subquery() if root else page_rows.correlate_except(source).lateral()
        row = aliased(model, inner)
        number = inner.c.n
        on_page = number <= size
        row_cursor = cursor(listed(row).cursor_key)
        pairs: list[tuple[str, ColumnElement[Any]]] = []
        # The page's rows are aggregated into one row; without an aggregate (a count alone)
        # the statement must not read them, or it would give a row per row.
        aggregated = False
        for field in selected_fields(node.selection_set):
            name = field.name.value
            aggregated = aggregated or name in ("edges", "pageInfo")
            if name == "totalCount":
                counted = model if root else aliased(model)
                count = select(func.count()).select_from(counted).where(*listed(counted).where)
                value: ColumnElement[Any] = count.correlate_except(counted).scalar_subquery()
            elif name == "edges":
                value = self._edges(type_name, field, row, row_cursor, number, on_page, root=root)
            elif name == "pageInfo":
                value = _page_info(field, row_cursor, number, on_page, size)
            else:
                raise NotCompiled(f"connection field {name} is not compiled")
            pairs.append((response_key(field), value))
        page = json_object(pairs)
        if root:
            files = self._root_files(self.audited_files(type_name, node, row, on_page))
            if files is not None:
                page = json_object([("files", files), ("data", page)])
                aggregated = True
        statement = select(page.label("doc") if root else page)
        return statement.select_from(row) if aggregated else statement

    def audited_files(
        self, type_name: str, node: FieldNode, row: Any, where: ColumnElement[bool] | None
    ) -> ColumnElement[Any] | None:
        """The rows of a root field the audit trail notes (a child's file shown in full), as
        a JSON array of [id, area code, ID number shown in full]; None if none can be. Those
        of a page that meet `where`, aggregated; without `where`, the one row's."""
        sql_type = self.types[type_name]
        if sql_type.audited is None:
            return None
        audited = sql_type.audited(row, self.compilation)
        if audited is False:
            return None
        self.audited = True
        number_full: ColumnElement[bool] = false()
        if where is None:  # one object: its fields, fragments on its type included
            gql_type = self._object_type(type_name)[1]
            fields = object_fields(self.schema, node.selection_set, gql_type)
            selects = any(field.name.value == "idNumber" for field in fields)
        else:
            selects = _selects(node, "idNumber")
        if sql_type.id_number_full is not None and selects:
            number_full = sql_condition(sql_type.id_number_full(row, self.compilation))
        item = func.json_build_array(row.id, row.area_code, number_full)
        if where is None:
            return case(
                (sql_condition(audited), func.json_build_array(item)),
                else_=func.json_build_array(),
            )
        return json_list(item, where=and_(sql_condition(audited), where))

    def _root_files(self, files: ColumnElement[Any] | None) -> ColumnElement[Any] | None:
        """The root's files for the audit trail: none of its own (`[]`) when only rows below
        it note theirs."""
        if files is None and self.notes_files:
            return func.json_build_array()
        return files

    def _edges(
        self,
        type_name: str,
        node: FieldNode,
        row: Any,
        row_cursor: ColumnElement[str],
        number: ColumnElement[int],
        on_page: ColumnElement[bool],
        *,
        root: bool,
    ) -> ColumnElement[Any]:
        pairs: list[tuple[str, ColumnElement[Any]]] = []
        for field in selected_fields(node.selection_set):
            if field.name.value == "cursor":
                pairs.append((response_key(field), row_cursor))
            elif field.name.value == "node":
                item = self.object_json(type_name, row, field.selection_set, root=root)
                pairs.append((response_key(field), item))
            else:
                raise NotCompiled(f"edge field {field.name.value} is not compiled")
        edge = json_object(pairs)
        return json_list(edge, [number], on_page)

    def root_list(self, root: RootList, node: FieldNode) -> Select[Any]:
        """The statement of a root field that is a connection."""
        arguments = self.root_arguments(node)
        model = self.types[root.type_name].model
        listing = root.rows(model, arguments, self.compilation).listing
        page_size(arguments.get("first"))  # OUT_OF_RANGE before anything is built
        return self.connection(
            root.type_name,
            node,
            lambda row: self._recorded(root.rows(row, arguments, self.compilation)),
            size=PAGE_SIZE,
            root=True,
        ).execution_options(shouhu_listing=listing)

    def _recorded(self, listed: Listed) -> Listed:
        self.variable_terms.append([*listed.where, *listed.after])
        return listed

    def root_one(self, root: RootOne, node: FieldNode) -> Select[Any] | None:
        """The statement of a root field that is one object (None: null without asking)."""
        arguments = self.root_arguments(node)
        row = aliased(self.types[root.type_name].model)
        terms = root.where(row, arguments, self.compilation)
        if terms is None:
            return None
        self.variable_terms.append(list(terms))
        item = self.object_json(root.type_name, row, node.selection_set, root=True)
        files = self._root_files(self.audited_files(root.type_name, node, row, None))
        if files is not None:
            item = json_object([("files", files), ("data", item)])
        return select(item.label("doc")).where(*terms)

    def root_arguments(self, node: FieldNode) -> dict[str, Any]:
        """A root field's arguments as its resolver gets them (input types built)."""
        query_type = self.schema.query_type
        assert query_type is not None
        field = query_type.fields[node.name.value]
        raw = get_argument_values(field, node, self.variables)
        definition = field.extensions["strawberry-definition"]
        return convert(raw, definition)


def convert(raw: dict[str, Any], definition: Any) -> dict[str, Any]:
    """Arguments converted as strawberry converts them for a resolver (python names, input
    types as their classes)."""
    from strawberry.types.arguments import convert_arguments

    from schema.build import schema

    return convert_arguments(
        raw,
        definition.arguments,
        scalar_registry=schema.schema_converter.scalar_registry,
        config=schema.config,
    )


def as_graphql(value: ColumnElement[Any], output: GraphQLOutputType) -> ColumnElement[Any]:
    """A column's value as GraphQL writes it: enums by name, times in ISO 8601."""
    named = output.of_type if isinstance(output, GraphQLNonNull) else output
    if isinstance(named, GraphQLList):
        item = named.of_type.of_type if isinstance(named.of_type, GraphQLNonNull) else named.of_type
        if isinstance(item, GraphQLEnumType):
            return enum_names(value, _enum_names(item))
        return value
    if isinstance(named, GraphQLEnumType):
        return enum_name(value, _enum_names(named))
    if isinstance(named, GraphQLScalarType) and named.name == "DateTime":
        return iso_datetime(value)
    return value


def _enum_names(gql_enum: GraphQLEnumType) -> dict[str, str]:
    # Strawberry's enums carry the stored value (a StrEnum's) under each GraphQL name.
    return {str(value.value): name for name, value in gql_enum.values.items()}


def shown_or_null(
    shown: ColumnElement[bool] | bool, value: ColumnElement[Any]
) -> ColumnElement[Any]:
    """`value` where the view shows it, else null."""
    if shown is True or isinstance(shown, True_):
        return value
    if shown is False:
        return null()
    return case((shown, value), else_=null())


def _page_info(
    node: FieldNode,
    row_cursor: ColumnElement[str],
    number: ColumnElement[int],
    on_page: ColumnElement[bool],
    size: int | ColumnElement[int],
) -> ColumnElement[Any]:
    cursors = func.array_agg(aggregate_order_by(row_cursor, number), type_=ARRAY(row_cursor.type))
    last = func.array_agg(
        aggregate_order_by(row_cursor, number.desc()), type_=ARRAY(row_cursor.type)
    ).filter(on_page)
    values: dict[str, ColumnElement[Any]] = {
        "hasNextPage": func.count() > size,
        "hasPreviousPage": false(),
        "startCursor": cursors[1],
        "endCursor": last[1],
    }
    pairs = []
    for field in selected_fields(node.selection_set):
        if field.name.value not in values:
            raise NotCompiled(f"pageInfo.{field.name.value} is not compiled")
        pairs.append((response_key(field), values[field.name.value]))
    return json_object(pairs)


def _selects(node: FieldNode, name: str) -> bool:
    """Whether a field's selection (or its edges' nodes) asks for `name`."""
    for field in selected_fields(node.selection_set):
        if field.name.value == name:
            return True
        nested = field.name.value in ("edges", "node") and field.selection_set is not None
        if nested and _selects(field, name):
            return True
    return False
