"""`syncPull` on the compiled read path (schema/compiler): the page of changes, its removals
and its cursor in one statement, as `SyncQuery.sync_pull` reads them in several.

Every synced table gives its rows of the round in change order (at most a page and one more
each); numbered in table order they are the rows `pull` takes one table after another, so
the page is the first `first` of them and there is more when there are more. The lists show
the live rows, the removals the deleted and merged ones and the children who left the
caller's sight (a move, an NGO's contract changed), and the cursor is made in Python from
where each table stopped.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode
from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Select,
    Uuid,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

from app.models import Child, ChildMove
from app.observability import metrics
from app.store.json_sql import global_id, json_list, json_object, sql_condition
from app.store.sync import (
    ROUND_END,
    SYNCED,
    Cursor,
    change_order,
    contract_children_changed,
    in_round,
)
from schema.compiler.mapping import Compilation, RootCustom, Terms
from schema.compiler.statements import (
    PAGE_SIZE,
    NotCompiled,
    StatementBuilder,
    response_key,
    selected_fields,
)
from schema.sync.query import rechecked_organization, sync_cursor

# The GraphQL list of each synced table, and the type of its rows (None: not shown).
SHOWN_AS: Mapping[str, tuple[str, str]] = {
    "households": ("households", "Household"),
    "parents": ("parents", "Parent"),
    "children": ("children", "Child"),
    "guardianships": ("guardianships", "Guardianship"),
    "visits": ("visits", "Visit"),
    "cases": ("cases", "Case"),
    "case_events": ("caseEvents", "CaseEvent"),
    "referrals": ("referrals", "CaseReferral"),
    "move_requests": ("moveRequests", "ChildMoveRequest"),
    "tasks": ("tasks", "Task"),
}
MOVES = next(index for index, (name, _model) in enumerate(SYNCED) if name == "moves")
CHILDREN = next(index for index, (name, _model) in enumerate(SYNCED) if name == "children")


@dataclass(frozen=True)
class Round:
    """A request's pull: its cursor, each table's terms, the NGO contracts to check again."""

    cursor: Cursor
    tables: dict[str, list[ColumnElement[bool]]]
    rechecked: Select[tuple[uuid.UUID]] | None

    def terms(self) -> Terms:
        """Every term that carries the request's values, in one order."""
        found = [term for terms in self.tables.values() for term in terms]
        if self.rechecked is not None and self.rechecked.whereclause is not None:
            found.append(self.rechecked.whereclause)
        return found


def _prepare(arguments: Mapping[str, Any], compilation: Compilation) -> Round:
    cursor = sync_cursor(arguments.get("since"), arguments["first"])
    hi = ROUND_END if cursor.hi is None else cursor.hi
    organization = rechecked_organization(compilation.scope, cursor)
    return Round(
        cursor=cursor,
        tables={name: in_round(model, name, cursor, hi) for name, model in SYNCED},
        rechecked=None
        if organization is None
        else contract_children_changed(organization, cursor, compilation.today),
    )


def _sync_statement(builder: StatementBuilder, node: FieldNode, pulled: Round) -> Select[Any]:
    fields = {field.name.value: field for field in selected_fields(node.selection_set)}
    changes = union_all(
        *[_table(builder, index, model, fields, pulled) for index, (_, model) in enumerate(SYNCED)]
    ).subquery("changes")
    number = func.row_number().over(order_by=[changes.c.t, changes.c.xid, changes.c.seq])
    page = select(changes, number.label("n")).subquery("page")
    taken = page.c.n <= PAGE_SIZE
    live = and_(taken, ~page.c.deleted, page.c.merged_into.is_(None))
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for field in selected_fields(node.selection_set):
        name = field.name.value
        table = next(
            (t for t, (n, _m) in enumerate(SYNCED) if SHOWN_AS.get(n, ("",))[0] == name), None
        )
        if table is not None:
            value: ColumnElement[Any] = json_list(
                page.c.item, [page.c.n], and_(live, page.c.t == table)
            )
        elif name == "removals":
            value = _removals(field, page, taken, pulled, builder)
        elif name == "hasMore":
            value = func.count() > PAGE_SIZE
        elif name == "cursor":
            builder.compilation.computed = True
            value = json_object(
                [("$py", literal_column("'SyncPage.cursor'")), ("args", _stops(page, taken))]
            )
        else:
            raise NotCompiled(f"syncPull.{name} is not compiled")
        pairs.append((response_key(field), value))
    data = json_object(pairs)
    if builder.types["Child"].audited is not None and "children" in fields:
        builder.audited = True
        files = json_list(page.c.file, where=and_(live, page.c.file.is_not(None)))
        data = json_object([("files", files), ("data", data)])
    return select(data.label("doc")).select_from(page)


def _table(
    builder: StatementBuilder,
    index: int,
    model: Any,
    fields: dict[str, FieldNode],
    pulled: Round,
) -> Select[Any]:
    """One table's rows of the round, as the union's columns."""
    name = SYNCED[index][0]
    shown = SHOWN_AS.get(name)
    field = fields.get(shown[0]) if shown is not None else None
    item: ColumnElement[Any] = cast(null(), JSON)
    if field is not None and shown is not None:
        item = builder.object_json(shown[1], model, field.selection_set, root=True)
    file: Any = cast(null(), JSON)
    merged: Any = cast(null(), Uuid())
    if model is Child:
        merged = Child.merged_into_id
        child_type = builder.types["Child"]
        if field is not None and child_type.audited is not None:
            audited = sql_condition(child_type.audited(Child, builder.compilation))
            full: Any = literal(False)
            if child_type.id_number_full is not None and any(
                f.name.value == "idNumber" for f in selected_fields(field.selection_set)
            ):
                full = sql_condition(child_type.id_number_full(Child, builder.compilation))
            file = case(
                (audited, func.json_build_array(Child.id, Child.area_code, full)), else_=null()
            )
    moved_child: Any = cast(null(), Uuid())
    moved_household: Any = cast(null(), Uuid())
    if model is ChildMove:
        moved_child, moved_household = ChildMove.child_id, ChildMove.household_id
    return (
        select(
            literal(index, BigInteger).label("t"),
            model.change_xid.label("xid"),
            model.change_seq.label("seq"),
            model.id.label("id"),
            model.deleted_at.is_not(None).label("deleted"),
            merged.label("merged_into"),
            item.label("item"),
            file.label("file"),
            moved_child.label("moved_child"),
            moved_household.label("moved_household"),
        )
        .where(*pulled.tables[name])
        .order_by(*change_order(model))
        .limit(PAGE_SIZE + 1)
    )


def _stops(page: Any, taken: ColumnElement[bool]) -> ColumnElement[Any]:
    """What the cursor is made of: where the round ends, where each table stopped, whether
    there is more."""
    stops = []
    for index, (name, _model) in enumerate(SYNCED):
        last = func.array_agg(
            aggregate_order_by(func.json_build_array(page.c.xid, page.c.seq), page.c.n.desc()),
            type_=ARRAY(JSON),
        ).filter(and_(taken, page.c.t == index))
        stops.append((name, last[1]))
    return func.json_build_array(ROUND_END, json_object(stops), func.count() > PAGE_SIZE)


def _removals(
    node: FieldNode, page: Any, taken: ColumnElement[bool], pulled: Round, builder: StatementBuilder
) -> ColumnElement[Any]:
    """Deleted rows, merged files, then the children (and their families) who left the
    caller's sight, in `SyncQuery.sync_pull`'s order."""
    type_names = {
        index: SHOWN_AS.get(name, ("", "ChildMove"))[1] for index, (name, _m) in enumerate(SYNCED)
    }
    type_name = case(
        *[(page.c.t == index, literal_column(f"'{n}'")) for index, n in type_names.items()]
    )
    candidates = select(page.c.moved_child.label("child_id")).where(taken, page.c.t == MOVES)
    if pulled.rechecked is not None:
        candidates = union_all(candidates, pulled.rechecked)  # type: ignore[assignment]
    candidate_ids = candidates.subquery("candidates")
    visible = select(Child.id).where(
        Child.id.in_(select(candidate_ids.c.child_id)), Child.deleted_at.is_(None)
    )
    gone = (
        select(candidate_ids.c.child_id)
        .where(candidate_ids.c.child_id.not_in(visible))
        .distinct()
        .subquery("gone")
    )
    no_id = cast(null(), Uuid())
    rows = union_all(
        _removed(1, page.c.n, no_id, type_name, page.c.id, no_id).where(
            taken, page.c.deleted, page.c.t != MOVES
        ),
        _removed(2, page.c.n, no_id, literal_column("'Child'"), page.c.id, page.c.merged_into)
        .where(taken, ~page.c.deleted, page.c.t == CHILDREN, page.c.merged_into.is_not(None)),
        _removed(3, literal(0, BigInteger), gone.c.child_id, literal_column("'Child'"),
                 gone.c.child_id, no_id),
        _removed(4, page.c.n, no_id, literal_column("'Household'"), page.c.moved_household, no_id)
        .where(taken, page.c.t == MOVES, page.c.moved_household.is_not(None),
               page.c.moved_child.in_(select(gone.c.child_id))),
    ).subquery("removed")  # fmt: skip
    values = {
        "typeName": rows.c.type_name,
        "id": func.gql_global_id(rows.c.type_name, rows.c.id),
        "mergedInto": global_id("Child", rows.c.merged),
    }
    pairs = []
    for field in selected_fields(node.selection_set):
        if field.name.value not in values:
            raise NotCompiled(f"Removal.{field.name.value} is not compiled")
        pairs.append((response_key(field), values[field.name.value]))
    item = json_object(pairs)
    ordered = json_list(item, [rows.c.g, rows.c.n, rows.c.k])
    return select(ordered).select_from(rows).scalar_subquery()


def _removed(
    group: int, number: Any, key: Any, type_name: Any, row_id: Any, merged: Any
) -> Select[Any]:
    """A kind of removal, ordered by its group, then the page's order or the child's id."""
    return select(
        literal(group, BigInteger).label("g"),
        number.label("n"),
        key.label("k"),
        type_name.label("type_name"),
        row_id.label("id"),
        merged.label("merged"),
    )


def _cursor(compilation: Compilation, inputs: list[Any]) -> str:
    """The cursor of the page (app/store/sync.Cursor), from where the tables stopped."""
    hi, stops, has_more = inputs
    since = sync_cursor(compilation.arguments.get("since"), compilation.arguments["first"])
    round_end = since.hi if since.hi is not None else int(hi)
    if not has_more:
        return Cursor(lo=round_end, day=compilation.today).encode()
    positions = dict(since.positions)
    positions.update({name: (int(s[0]), int(s[1])) for name, s in stops.items() if s is not None})
    return Cursor(since.lo, round_end, positions, since.day).encode()


def _observe(page: Any) -> None:
    """Count what a page sends (its lists by their response keys: the removals, and the
    records of every other list)."""
    if not isinstance(page, dict):
        return
    removals = page.get("removals")
    upserts = sum(len(v) for k, v in page.items() if k != "removals" and isinstance(v, list))
    metrics.sync_pulled(upserts, len(removals) if isinstance(removals, list) else 0)


SYNC_ROOTS: Mapping[str, RootCustom] = {
    "syncPull": RootCustom(
        prepare=_prepare,
        terms=lambda pulled: pulled.terms(),
        statement=_sync_statement,
        observe=_observe,
    )
}
"""How SQL serves `syncPull` (schema/compiler)."""

SYNC_COMPUTED = {"SyncPage.cursor": _cursor}
"""The values of a page Python computes (its cursor)."""
