"""Query cost: how much an operation can make the service read and send, known before it runs.

The cost of an operation is the most objects its answer can hold:
- a field whose value is an object counts 1 for each object; scalars and enums are free,
  except those that run a query of their own (FIELD_COSTS: a `totalCount` is a COUNT);
- a list multiplies what is under it by its size: a page's `first` (default 20, at most 100;
  syncPull's default 500, at most 1,000; a `first` out of range counts as the maximum and is
  refused when the field runs), or, for the short lists that take no `first`, the estimate
  of LIST_SIZES;
- the lists directly under a field with `first` share its page (a connection's edges,
  syncPull's kinds of record: at most `first` rows in all); an alias repeats them;
- introspection is free: it is answered from memory.
Fragments on several types of an interface all count, as if every object were each type.

`QueryCostLimit` refuses an operation over the caller's limit after validation and before
anything runs: QUERY_TOO_COSTLY with the cost and the limit, HTTP 200 like any GraphQL error.
The limits are settings per kind of caller: anonymous (logging in), field workers and
integrations (the app's heaviest operation with margin: tests/api/test_query_cost.py), staff
with the GraphiQL permission.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_leaf_type,
    is_list_type,
)
from strawberry.extensions import SchemaExtension

from app.i18n import translate
from app.settings import Settings
from authz.scope import Scope
from schema.context import Context
from schema.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.sync.query import MAX_SYNC_PAGE

# Leaves that cost a query of their own (by field name, on any type).
FIELD_COSTS: Mapping[str, int] = {"totalCount": 10}
# The most a `first` may be, where it is not MAX_PAGE_SIZE.
MAX_FIRST: Mapping[str, int] = {"Query.syncPull": MAX_SYNC_PAGE}
# Lists of objects without `first`: how many items to expect at most, for estimating.
# tests/api/test_query_cost.py requires an entry for every such list of the schema.
LIST_SIZES: Mapping[str, int] = {
    "Household.parents": 4,
    "Household.children": 10,
    "Child.guardianships": 5,
    "Child.openCases": 5,
    "Child.moveHistory": 5,
    "Case.referrals": 10,
    "AreaStatistics.trend": 8,
    "AreaCounts.openCasesByStage": 7,
    "AreaCounts.reportsBySource": 6,
    # A person's trainings (about one a year) and roles granted beyond their own.
    "Staff.trainings": 10,
    "Staff.grants": 3,
    # A township's village directors, a county's townships (staffWork).
    "StaffWork.directors": 60,
    "StaffWork.townships": 40,
    # A township's villages (or a county's townships) by task kind.
    "Query.taskCounts": 300,
    # Mutation results: sized by the caller's input, which has limits of its own.
    "Mutation.syncPush": 200,
    "AbsenceSubmission.unmatched": 10,
    "*.errors": 5,
    # A county's schools (a few dozen), and its totals by stage of schooling.
    "CountySchoolRates.schools": 100,
    "CountySchoolRates.totals": 2,
}


def _first_argument(node: FieldNode) -> IntValueNode | VariableNode | None:
    for argument in node.arguments or ():
        if argument.name.value == "first" and isinstance(
            argument.value, IntValueNode | VariableNode
        ):
            return argument.value
    return None


@dataclass
class _Estimate:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, object]
    worst_case: bool
    memo: dict[tuple[str, int | None], int] = field(default_factory=dict)

    def page(self, node: FieldNode, parent: GraphQLNamedType, definition: GraphQLField) -> int:
        """The `first` a field is asked with, within its limits."""
        coordinate = f"{parent.name}.{node.name.value}"
        maximum = MAX_FIRST.get(coordinate, MAX_PAGE_SIZE)
        default = definition.args["first"].default_value
        value: object = default if isinstance(default, int) else DEFAULT_PAGE_SIZE
        given = _first_argument(node)
        if isinstance(given, IntValueNode):
            value = int(given.value)
        elif isinstance(given, VariableNode):
            if self.worst_case:
                return maximum
            value = self.variables.get(given.name.value, value)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= maximum:
            return maximum
        return value

    @staticmethod
    def list_size(parent: GraphQLNamedType, name: str) -> int:
        """The estimated length of a list of objects that takes no `first` (a page's worth
        for a list the table does not know)."""
        return LIST_SIZES.get(f"{parent.name}.{name}", LIST_SIZES.get(f"*.{name}", MAX_PAGE_SIZE))

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, page: int | None
    ) -> int:
        """The cost of a selection on one object of type `parent`; `page` is the `first` of
        the field that selected it, shared by the lists directly under it."""
        if selection_set is None:
            return 0
        total = 0
        paged: dict[str, int] = {}  # list field → the cost of one item, its aliases summed
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                name = node.name.value
                definition = getattr(parent, "fields", {}).get(name)
                if name.startswith("__") or definition is None:
                    continue  # introspection; unknown fields do not pass validation
                named = get_named_type(definition.type)
                if is_leaf_type(named):
                    total += FIELD_COSTS.get(name, 0)
                    continue
                inner = self.page(node, parent, definition) if "first" in definition.args else None
                item = 1 + self.selections(node.selection_set, named, inner)
                if not is_list_type(get_nullable_type(definition.type)):
                    total += item
                elif page is not None:
                    paged[name] = paged.get(name, 0) + item
                else:
                    total += self.list_size(parent, name) * item
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner_type = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(node.selection_set, inner_type or parent, page)
            elif isinstance(node, FragmentSpreadNode):
                total += self.fragment(node.name.value, page)
        return total + (page * max(paged.values()) if page is not None and paged else 0)

    def fragment(self, name: str, page: int | None) -> int:
        """A named fragment's cost, computed once however often it is spread."""
        key = (name, page)
        if key not in self.memo:
            fragment = self.fragments.get(name)
            condition = (
                self.schema.get_type(fragment.type_condition.name.value) if fragment else None
            )
            self.memo[key] = (
                self.selections(fragment.selection_set, condition, page)
                if fragment is not None and condition is not None
                else 0
            )
        return self.memo[key]


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, object] | None,
    *,
    worst_case: bool = False,
) -> int:
    """The cost of the operation the request runs (0 if there is none to run).

    `worst_case`: every `first` given by a variable counts as its maximum, whatever the
    variables say (what the app could send).
    """
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    estimate = _Estimate(
        schema=schema,
        fragments={d.name.value: d for d in _fragments(document)},
        variables=variables or {},
        worst_case=worst_case,
    )
    return estimate.selections(operation.selection_set, root, None)


def _fragments(document: DocumentNode) -> Iterator[FragmentDefinitionNode]:
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            yield definition


def cost_limit(scope: Scope, settings: Settings) -> int:
    """The most an operation of this caller may cost."""
    if scope.principal.anonymous:
        return settings.query_cost_limit_anonymous
    if scope.can("graphql_ide", "use"):
        return settings.query_cost_limit_graphiql
    return settings.query_cost_limit


class QueryCostLimit(SchemaExtension):
    """Refuses an operation that costs more than the caller's limit, before it runs."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.result is None and execution.graphql_document is not None:
            context: Context = execution.context
            limit = cost_limit(context.scope, context.settings)
            try:
                cost = operation_cost(
                    execution.schema._schema,
                    execution.graphql_document,
                    execution.operation_name,
                    execution.variables,
                )
            except RecursionError:  # fragments nested past Python's stack: too much anyway
                cost = limit + 1
            if cost > limit:
                message = translate(
                    "the query costs {cost}, more than the {limit} allowed: ask for fewer "
                    "items or fields",
                    {"cost": cost, "limit": limit},
                )
                error = GraphQLError(
                    message, extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit}
                )
                execution.result = ExecutionResult(data=None, errors=[error])
        yield
