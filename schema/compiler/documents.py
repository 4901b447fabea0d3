"""The compiled read path: a query document whose fields all have a SQL mapping is answered by
one statement that returns its response JSON, instead of strawberry resolving it field by
field. Documents are checked once (cached by their text). Statements are compiled once per
caller's scope, day and shape of the request (which filters are set, whether a cursor is
sent) and bound to each request's values. Anything the path does not serve (a field without
a mapping, fragments, arguments it refuses, variables of the wrong type, an unsafe text, a
cost over the caller's limit) goes the strawberry way, which answers it and its errors.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.language import Visitor, visit
from sqlalchemy import DateTime, Select, Text, bindparam, cast
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ClauseList
from strawberry.types import ExecutionResult

from app import clock
from app.idcrypto import UnreadableIdNumber
from app.request_database import QueryTimeout
from app.services.audit import with_read_event
from authz.scope import ANONYMOUS, Scope
from authz.session import LISTING_OPTION, fetch_scoped, scoped_statement
from schema.build import DOCUMENT_LIMITS, schema
from schema.cases.query import CASE_ROOTS
from schema.cases.types import CASE_REFERRAL_SQL, CASE_SQL
from schema.children.move_requests import MOVE_REQUEST_ROOTS, MOVE_REQUEST_SQL
from schema.children.query import CHILD_ROOTS
from schema.children.types import CHILD_SQL
from schema.compiler.mapping import (
    Compilation,
    RootCustom,
    RootList,
    RootNode,
    RootOne,
    SqlType,
)
from schema.compiler.statements import (
    NotCompiled,
    StatementBuilder,
    response_key,
    selected_fields,
)
from schema.context import Context
from schema.core.cost import cost_limit, operation_cost
from schema.core.errors import QueryError
from schema.core.ids import parse_uuids
from schema.core.pagination import page_size
from schema.core.text import unsafe_literal, unsafe_variable
from schema.guardianships.types import GUARDIANSHIP_SQL
from schema.households.types import HOUSEHOLD_SQL, PARENT_SQL
from schema.organizations.types import ORGANIZATION_SQL
from schema.sync.compiled import SYNC_COMPUTED, SYNC_ROOTS
from schema.tasks.query import TASK_ROOTS
from schema.tasks.types import TASK_SQL
from schema.visits.types import VISIT_SQL

Root = RootList | RootOne | RootNode | RootCustom

SQL_TYPES: dict[str, SqlType] = {
    mapped.name: mapped
    for mapped in (
        CHILD_SQL,
        HOUSEHOLD_SQL,
        PARENT_SQL,
        GUARDIANSHIP_SQL,
        VISIT_SQL,
        CASE_SQL,
        TASK_SQL,
        CASE_REFERRAL_SQL,
        ORGANIZATION_SQL,
        MOVE_REQUEST_SQL,
    )
}
"""Every GraphQL type the compiled path serves, by name."""

ROOTS: dict[str, Root] = {
    # relay's `node(id:)` (schema/build.py): each type finds its rows (SqlType.node).
    "node": RootNode(),
    **CHILD_ROOTS,
    **TASK_ROOTS,
    **CASE_ROOTS,
    **MOVE_REQUEST_ROOTS,
    **SYNC_ROOTS,
}
"""Every root field the compiled path serves, by name."""

COMPUTED: dict[str, Callable[[Compilation, list[Any]], object]] = {
    **{
        f"{mapped.name}.{name}": computed.value
        for mapped in SQL_TYPES.values()
        for name, computed in mapped.computed.items()
    },
    **SYNC_COMPUTED,
}
"""What Python computes in a compiled response, by the marker the statement writes."""

NOW = bindparam("now", None, type_=DateTime(timezone=True), required=False)
"""The moment a compiled statement runs: bound per request."""

# Statements compiled (and requests prepared) per document; a caller's scope, day and
# request shape (or variables) make a key.
PLANS_PER_DOCUMENT = 256
T = TypeVar("T")
Refused = (NotCompiled, QueryError, GraphQLError)


@dataclass(frozen=True)
class Plan:
    """A compiled statement: its SQL, the parameters in order, the values it was compiled
    with (constants of the mapping), and which parameters a request's values go to."""

    sql: str
    positions: tuple[str, ...]
    values: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]]
    variable_names: tuple[tuple[str, ...], ...]
    audited: bool
    computed: bool

    def arguments(self, variable_values: Sequence[Any], size: int | None) -> list[Any]:
        """The positional parameters of one request."""
        values = dict(self.values, now=clock.now(), page_size=size)
        for names in self.variable_names:
            values.update(zip(names, variable_values, strict=True))
        return [
            self.processors[name](values[name]) if name in self.processors else values[name]
            for name in self.positions
        ]


@dataclass(frozen=True)
class Ready:
    """What a request binds: the plan it runs (its shape), the root's term values, the page
    size, and its cost (compared with the caller's limit, which settings may change)."""

    shape: tuple[Any, ...]
    values: list[Any]
    size: int | None
    cost: int


@dataclass
class CompiledDocument:
    """A query document the compiled path serves: its operation and its one root field, and
    the statements compiled for it."""

    document: DocumentNode
    operation: OperationDefinitionNode
    root: FieldNode
    root_field: Root
    # The variables the root field's arguments do not take: their values shape the statement.
    shaping: frozenset[str]
    # For `node`: the types whose ids the path answers (their fields all mapped).
    node_types: frozenset[str] = frozenset()
    plans: OrderedDict[tuple[Any, ...], Plan] = field(default_factory=OrderedDict)
    # Requests seen, by caller, day and variables: what they bind (the same variables build
    # the same terms), so a repeated request skips the variables' checks and the terms.
    requests: OrderedDict[tuple[Any, ...], Ready] = field(default_factory=OrderedDict)

    async def run(
        self, context: Context, variables: dict[str, Any] | None, query: str
    ) -> ExecutionResult | None:
        """The answer (its `data` PostgreSQL's JSON), or None where strawberry answers."""
        if unsafe_variable(variables) is not None:
            return None
        fingerprint = _fingerprint(context.scope)
        key = (
            fingerprint,
            clock.today(),
            orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS),
        )
        ready = self.requests.get(key)
        if ready is not None:
            plan = self.plans.get(ready.shape)
            if plan is not None and not plan.computed:
                if ready.cost > cost_limit(context.scope, context.settings):
                    return None
                return await self._fetch(context, plan, ready, None)
        coerced = get_variable_values(
            schema._schema, self.operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return None  # strawberry says what is wrong with them
        name = self.operation.name.value if self.operation.name else None
        cost = operation_cost(schema._schema, self.document, name, variables)
        if cost > cost_limit(context.scope, context.settings):
            return None
        compilation = Compilation(context.scope, clock.today(), NOW)
        builder = StatementBuilder(schema._schema, SQL_TYPES, compilation, coerced)
        try:
            arguments = builder.root_arguments(self.root)
            compilation.arguments = arguments
            root_field = self._served(arguments)
            prepared, terms = self._variable_terms(root_field, arguments, compilation)
            size = _size(root_field, arguments)
        except Refused:
            return None
        if terms is None:
            return self._answer(b"null")
        cache_key = ClauseList(*terms)._generate_cache_key()
        if cache_key is None:
            return None
        ready = Ready(
            shape=(
                fingerprint,
                compilation.today,
                cache_key.key,
                orjson.dumps({n: v for n, v in (variables or {}).items() if n in self.shaping}),
            ),
            values=[bind.effective_value for bind in cache_key.bindparams],
            size=size,
            cost=cost,
        )
        plan = self.plans.get(ready.shape)
        if plan is None:
            try:
                plan = self._compile(context.db.sessions(), builder, query, root_field, prepared)
            except NotCompiled:
                return None
            if plan is None:
                return None  # a statement whose values cannot be rebound
            self._keep(self.plans, ready.shape, plan)
        if not isinstance(root_field, RootCustom):
            # A custom root (syncPull) prepares its values from the database's state as well.
            self._keep(self.requests, key, ready)
        return await self._fetch(context, plan, ready, compilation)

    async def _fetch(
        self, context: Context, plan: Plan, ready: Ready, compilation: Compilation | None
    ) -> ExecutionResult | None:
        """Run the plan with the request's values; `compilation` puts what Python computes in
        place (a plan that computes nothing needs none)."""
        try:
            found: str | None = await fetch_scoped(
                context.db.sessions,
                plan.sql,
                plan.arguments(ready.values, ready.size),
                commit=plan.audited,
            )
        except QueryTimeout as timeout:
            # As the strawberry path answers it (schema/core/extensions.py): the root's error.
            error = GraphQLError(
                str(timeout), path=[response_key(self.root)], extensions={"code": timeout.code}
            )
            return ExecutionResult(data=self._failed_data(), errors=[error])
        raw = b"null" if found is None else found.encode()
        observe = self.root_field.observe if isinstance(self.root_field, RootCustom) else None
        if plan.computed:
            assert compilation is not None
            try:
                value = _computed(orjson.loads(raw), compilation)
            except UnreadableIdNumber:
                return None  # keys that open nothing on file: strawberry says so, per field
            raw = orjson.dumps(value)
        elif observe is not None:
            value = orjson.loads(raw)
        if observe is not None:
            observe(value)
        return self._answer(raw)

    def _answer(self, root_json: bytes) -> ExecutionResult:
        key = response_key(self.root).encode()
        # PostgreSQL's JSON, sent as it is: orjson writes a Fragment without parsing it.
        data: Any = orjson.Fragment(b'{"' + key + b'":' + root_json + b"}")
        return ExecutionResult(data=data, errors=None)

    def _failed_data(self) -> dict[str, None] | None:
        """`data` when the root field failed: null, all of it if the field may not be."""
        query_type = schema._schema.query_type
        assert query_type is not None
        non_null = isinstance(query_type.fields[self.root.name.value].type, GraphQLNonNull)
        return None if non_null else {response_key(self.root): None}

    def _served(self, arguments: dict[str, Any]) -> RootList | RootOne | RootCustom:
        """The root field as this request's arguments make it: for `node`, one object of the
        type its id names (NotCompiled: a type the path does not answer)."""
        if not isinstance(self.root_field, RootNode):
            return self.root_field
        type_name = arguments["id"].type_name
        if type_name not in self.node_types:
            raise NotCompiled(f"node of type {type_name}")
        return RootOne(type_name, where=_node_where)

    @staticmethod
    def _variable_terms(
        root_field: RootList | RootOne | RootCustom,
        arguments: dict[str, Any],
        compilation: Compilation,
    ) -> tuple[Any, list[Any] | None]:
        """What a custom root prepared of the arguments, and the root's WHERE terms for them
        (None: nothing to read)."""
        if isinstance(root_field, RootCustom):
            prepared = root_field.prepare(arguments, compilation)
            return prepared, list(root_field.terms(prepared))
        model = SQL_TYPES[root_field.type_name].model
        if isinstance(root_field, RootList):
            listed = root_field.rows(model, arguments, compilation)
            return None, [*listed.where, *listed.after]
        found = root_field.where(_key_alias(model), arguments, compilation)
        return None, None if found is None else list(found)

    def _compile(
        self,
        session: AsyncSession,
        builder: StatementBuilder,
        query: str,
        root_field: RootList | RootOne | RootCustom,
        prepared: Any,
    ) -> Plan | None:
        """The plan of the request `builder` was made for: its statement built, the caller's
        predicates applied as to every statement of the session, compiled once."""
        statement: Select[Any] | None
        if isinstance(root_field, RootList):
            statement = builder.root_list(root_field, self.root)
        elif isinstance(root_field, RootOne):
            statement = builder.root_one(root_field, self.root)
        else:
            builder.variable_terms.append(list(root_field.terms(prepared)))
            statement = root_field.statement(builder, self.root, prepared)
        assert statement is not None
        listing = bool(statement.get_execution_options().get(LISTING_OPTION, False))
        if builder.audited:
            name = self.operation.name.value if self.operation.name else None
            statement = with_read_event(
                statement, builder.compilation.scope.principal,
                operation_name=name, query=query, now=NOW, notes_reads=builder.notes_reads,
                notes_files=builder.notes_files,
            )  # fmt: skip
        else:
            statement = statement.with_only_columns(cast(statement.selected_columns[0], Text()))
        compiled = scoped_statement(session, statement, listing=listing).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        )
        # Each time the root's terms were built, the names their values were compiled under
        # (terms built but not used, as the cursor's row's, were not compiled).
        escaped = compiled.escaped_bind_names
        names: list[tuple[str, ...]] = []
        for terms in builder.variable_terms:
            cache_key = ClauseList(*terms)._generate_cache_key()
            assert cache_key is not None
            found = [compiled.bind_names.get(bind, "") for bind in cache_key.bindparams]
            if found and all(name == "" for name in found):
                continue
            if "" in found:
                return None
            names.append(tuple(escaped.get(name, name) for name in found))
        return Plan(
            sql=compiled.string,
            positions=tuple(compiled.positiontup or ()),
            values=dict(compiled.construct_params()),
            processors={
                name: process
                for name, process in compiled._bind_processors.items()
                if callable(process)  # no expanding parameters: one processor each
            },
            variable_names=tuple(names),
            audited=builder.audited,
            computed=builder.compilation.computed,
        )

    @staticmethod
    def _keep(kept: OrderedDict[tuple[Any, ...], T], key: tuple[Any, ...], value: T) -> None:
        kept[key] = value
        if len(kept) > PLANS_PER_DOCUMENT:
            kept.popitem(last=False)


_KEY_ALIASES: dict[type[Any], Any] = {}


def _key_alias(model: type[Any]) -> Any:
    """One alias of `model` for the terms a request's plan is looked up by: the terms' cache
    key does not depend on which alias they name, and an alias of a wide table costs more to
    make (a proxy of each column) than the rest of a compiled request's Python."""
    alias = _KEY_ALIASES.get(model)
    if alias is None:
        alias = _KEY_ALIASES[model] = aliased(model)
    return alias


def _node_where(row: Any, arguments: Mapping[str, Any], _compilation: Compilation) -> Any:
    """`node(id:)` in SQL: the row its type's `node` terms find (as its resolve_nodes, a
    malformed key finds nothing)."""
    global_id = arguments["id"]
    key = parse_uuids([global_id.node_id])[0]
    find = SQL_TYPES[global_id.type_name].node
    assert find is not None
    return None if key is None else find(row, key)


def _size(root: RootList | RootOne | RootCustom, arguments: dict[str, Any]) -> int | None:
    """A root page's size (OUT_OF_RANGE for one out of range); None for a single object."""
    if isinstance(root, RootList):
        return page_size(arguments.get("first"))
    if isinstance(root, RootCustom):
        first: int = arguments["first"]
        return first
    return None


def _fingerprint(scope: Scope) -> tuple[Any, ...]:
    """What of a scope a compiled statement depends on: the caller and its permissions."""
    return (scope.principal, tuple(sorted(scope.permissions.items())))


def _computed(value: Any, compilation: Compilation) -> Any:
    """The response with the values Python computes put in place (schema/compiler/mapping)."""
    if isinstance(value, list):
        return [_computed(item, compilation) for item in value]
    if not isinstance(value, dict):
        return value
    marker = value.get("$py")
    if marker is not None:
        return COMPUTED[marker](compilation, value["args"])
    # A nested row's file, noted for the audit trail (statements.StatementBuilder._file).
    return {key: _computed(item, compilation) for key, item in value.items() if key != "$file"}


@lru_cache(maxsize=512)
def compiled_document(query: str, operation_name: str | None) -> CompiledDocument | None:
    """The compiled form of a query document, or None when the path does not serve it (not a
    valid query of one root field within the document limits, a text strawberry refuses, or
    a field without a SQL mapping). Checked once per text."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    # The cheap refusals first: mutations and other roots are never validated twice.
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return None
    try:
        roots = selected_fields(operation.selection_set)
    except NotCompiled:
        return None
    if len(roots) != 1 or roots[0].name.value not in ROOTS:
        return None
    if unsafe_literal(document) or validate(
        schema._schema, document, [*specified_rules, *DOCUMENT_LIMITS]
    ):
        return None
    root = roots[0]
    field = ROOTS[root.name.value]
    try:
        node_types = _check(field, root)
    except Refused:
        return None
    declared = {d.variable.name.value for d in operation.variable_definitions or ()}
    shaping = frozenset(declared - _in(root))
    return CompiledDocument(document, operation, root, field, shaping, node_types)


def _in(root: FieldNode) -> set[str]:
    """The variables the root field's own arguments take."""
    found: set[str] = set()

    class Variables(Visitor):
        def enter_variable(self, node: VariableNode, *_args: Any) -> None:
            found.add(node.name.value)

    for argument in root.arguments or ():
        visit(argument, Variables())
    return found


def _check(field: Root, root: FieldNode) -> frozenset[str]:
    """Build the root's selection once for a caller who sees nothing: NotCompiled names a
    field without a mapping (arguments are only checked when a request sends them). For
    `node`, the types whose selection builds (NotCompiled: none)."""
    compilation = Compilation(Scope(principal=ANONYMOUS), date.min, NOW)
    builder = StatementBuilder(
        schema._schema, SQL_TYPES, compilation, get_variable_values(schema._schema, (), {})
    )
    if isinstance(field, RootNode):
        served = set()
        for name, mapped in SQL_TYPES.items():
            try:
                if mapped.node is not None:
                    builder.object_json(name, aliased(mapped.model), root.selection_set, root=True)
                    served.add(name)
            except NotCompiled:
                continue
        # The object types the document asks about by fragments must all be answered.
        parts = root.selection_set.selections if root.selection_set is not None else ()
        asked = {
            part.type_condition.name.value
            for part in parts
            if isinstance(part, InlineFragmentNode)
            and part.type_condition is not None
            and isinstance(
                schema._schema.get_type(part.type_condition.name.value), GraphQLObjectType
            )
        }
        if not served or not asked <= served:
            raise NotCompiled("node: a type asked about has no SQL mapping")
        return frozenset(served)
    if isinstance(field, RootCustom):
        field.statement(builder, root, field.prepare(builder.root_arguments(root), compilation))
        return frozenset()
    row = aliased(SQL_TYPES[field.type_name].model)
    if isinstance(field, RootOne):
        builder.object_json(field.type_name, row, root.selection_set, root=True)
        return frozenset()
    for part in selected_fields(root.selection_set):
        if part.name.value == "edges":
            for edge in selected_fields(part.selection_set):
                if edge.name.value == "node":
                    builder.object_json(field.type_name, row, edge.selection_set)
        elif part.name.value not in ("totalCount", "pageInfo"):
            raise NotCompiled(f"connection field {part.name.value} is not compiled")
    return frozenset()
