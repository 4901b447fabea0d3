"""Root fields about children: lists with filters, one child, the visits due."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date, timedelta
from typing import Any

import strawberry
from sqlalchemy import String, cast, tuple_
from strawberry import relay

from app import clock
from app.domain.classification import ADULT_AGE
from app.enums import ChildCategory
from app.models import Child as ChildModel
from app.services.common import camel
from app.store.children import (
    ChildCriteria,
    count_children,
    count_due_children,
    first_page_with_total,
    list_children,
    list_due_children,
)
from app.store.search import Search, count_search_children, search_children
from authz.fields import child_search_rule, hidden_fields
from authz.scope import Scope
from schema.children.types import Child
from schema.compiler.mapping import Compilation, Listed, RootList, RootOne, Terms
from schema.compiler.statements import NotCompiled
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import QueryError, check_range
from schema.core.ids import parse_uuids
from schema.core.pagination import (
    CountedConnection,
    connection,
    decode_dated_cursor,
    decode_keyed_cursor,
    decode_search_cursor,
    search_cursor_key,
)

register_enums()


@strawberry.type(name="ChildConnection")
class ChildConnection(CountedConnection[Child]):
    """A page of children."""


@strawberry.input(
    description="What to narrow a list of children to; every field is optional. A filter on a "
    "field your view of the children does not show (a school's: categories, key child, living "
    "arrangement, guardian, visits; an NGO's: key child, guardian) is refused with "
    "FORBIDDEN_FILTER."
)
class ChildFilter:
    area_code: str | None = strawberry.field(
        default=None, description="An area code: the children of that area and all below it."
    )
    category: ChildCategory | None = None
    key_child: bool | None = None
    living_alone: bool | None = None
    without_confirmed_guardian: bool | None = strawberry.field(
        default=None, description="No confirmed, capable entrusted guardian."
    )
    visit_overdue: bool | None = None
    name: str | None = strawberry.field(default=None, description="Part of the name.")
    min_age: int | None = None
    max_age: int | None = None
    search: str | None = strawberry.field(
        default=None,
        description="What a field worker types: part of a name (simplified or traditional), "
        "its pinyin or initials (`wang`, `wxm`), a student number, a parent's phone or its last "
        "4-6 digits, an ID number or its last 4-6 characters. Only fields your view shows are "
        "matched (ID numbers only where you see them in full). Results come best match first: "
        "the whole name or identifier, then the start of the name, pinyin, initials, parts.",
    )

    def hidden_filters(self, scope: Scope) -> list[str]:
        """The filters sent that read a field the caller's view of some child hides."""
        sent = [f.name for f in fields(self) if getattr(self, f.name) is not None]
        hidden = set(hidden_fields(scope, {FILTER_READS[name] for name in sent}))
        return [f"filter.{camel(name)}" for name in sent if FILTER_READS[name] in hidden]

    def criteria(self) -> ChildCriteria:
        """The store's criteria for this filter (OUT_OF_RANGE for an age no child has)."""
        check_range("minAge", self.min_age, 0, ADULT_AGE)
        check_range("maxAge", self.max_age, 0, ADULT_AGE)
        return ChildCriteria(
            area_prefix=self.area_code,
            category=self.category,
            key_child=self.key_child,
            living_alone=self.living_alone,
            without_confirmed_guardian=self.without_confirmed_guardian,
            visit_overdue=self.visit_overdue,
            name=self.name,
            min_age=self.min_age,
            max_age=self.max_age,
        )


# The field of a child (authz/fields.CHILD_FIELDS) each filter reads. A filter on a field the
# caller may not see would give the field away: it is refused (FORBIDDEN_FILTER), not ignored.
FILTER_READS: Mapping[str, str] = {
    "area_code": "area_code",
    "category": "categories",
    "key_child": "is_key_child",
    "living_alone": "living_arrangement",
    "without_confirmed_guardian": "has_confirmed_guardian",
    "visit_overdue": "next_visit_due",
    "name": "name",
    "min_age": "age",
    "max_age": "age",
    # Names; the other fields a search reads follow the caller's search rule (authz/fields.py).
    "search": "name",
}


def refuse_hidden(arguments: list[str]) -> None:
    """Refuse a list whose arguments read fields the caller may not see."""
    if arguments:
        raise QueryError(
            "FORBIDDEN_FILTER",
            "you may not narrow or order children by {fields}: your view of them does not show it",
            {"fields": ", ".join(arguments)},
            fields=arguments,
        )


def checked_filter(
    child_filter: ChildFilter | None, scope: Scope
) -> tuple[ChildFilter, ChildCriteria]:
    """A list's filter (none: everything) and its criteria, refused (FORBIDDEN_FILTER,
    OUT_OF_RANGE) when it reads a field the caller may not see or asks for no child's age."""
    child_filter = child_filter or ChildFilter()
    refuse_hidden(child_filter.hidden_filters(scope))
    return child_filter, child_filter.criteria()


def checked_due_by(within_days: int, scope: Scope, today: date) -> date:
    """The last day of the visits due within `within_days` (OUT_OF_RANGE beyond a year,
    FORBIDDEN_FILTER for callers who may not see visit dates: the list is those dates)."""
    if not 0 <= within_days <= 366:
        raise QueryError("OUT_OF_RANGE", "withinDays must be between 0 and 366")
    if hidden_fields(scope, ["next_visit_due"]):
        refuse_hidden(["withinDays"])
    return today + timedelta(days=within_days)


@strawberry.type
class ChildQuery:
    @strawberry.field(description="Children on file that the caller may see, by area.")
    async def children(
        self,
        info: Info,
        filter: ChildFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ChildConnection:
        child_filter, criteria = checked_filter(filter, info.context.scope)
        today = clock.today()
        if child_filter.search is not None:
            search = Search.of(
                child_filter.search, child_search_rule(info.context.scope), info.context.scope
            )
            return await connection(
                info, ChildConnection, first=first, after=after, cursor=decode_search_cursor,
                rows=lambda s, key, limit: search_children(
                    s, search, criteria, today=today, after=key, limit=limit
                ),
                count=lambda s: count_search_children(s, search, criteria, today=today),
                key=search_cursor_key, node=lambda found: Child.from_model(found[0], info),
                report=True,
            )  # fmt: skip
        return await connection(
            info, ChildConnection, first=first, after=after, cursor=decode_keyed_cursor,
            rows=lambda s, key, limit: list_children(
                s, criteria, today=today, after=key, limit=limit
            ),
            count=lambda s: count_children(s, criteria, today=today),
            # The first page of the app's caseload: counted in the same statement.
            first_page=lambda s, limit: first_page_with_total(
                s, criteria, today=today, limit=limit
            ),
            key=lambda c: f"{c.area_code}|{c.id}", node=lambda c: Child.from_model(c, info),
        )  # fmt: skip

    @strawberry.field(description="One child by global id; null when there is none for you.")
    async def child(self, info: Info, id: relay.GlobalID) -> Child | None:
        if id.type_name != "Child":
            return None
        nodes = await Child.resolve_nodes(info=info, node_ids=[id.node_id])
        node: Child | None = nodes[0]
        return node

    @strawberry.field(
        description="The caller's children whose next visit is due within `withinDays` "
        "(overdue ones included), soonest first. Refused (FORBIDDEN_FILTER) to callers who "
        "may not see visit dates (schools)."
    )
    async def due_visits(
        self,
        info: Info,
        within_days: int = 7,
        first: int | None = None,
        after: str | None = None,
    ) -> ChildConnection:
        due_by = checked_due_by(within_days, info.context.scope, clock.today())
        return await connection(
            info, ChildConnection, first=first, after=after, cursor=decode_dated_cursor,
            rows=lambda s, key, limit: list_due_children(s, due_by=due_by, after=key, limit=limit),
            count=lambda s: count_due_children(s, due_by=due_by),
            key=lambda c: f"{c.next_visit_due}|{c.id}", node=lambda c: Child.from_model(c, info),
        )  # fmt: skip


def _children_rows(row: Any, arguments: Mapping[str, Any], compilation: Compilation) -> Listed:
    """`children` in SQL: the resolver's checks and criteria (search is not compiled)."""
    child_filter, criteria = checked_filter(arguments.get("filter"), compilation.scope)
    if child_filter.search is not None:
        raise NotCompiled("a search ranks its matches: the strawberry path answers it")
    after = decode_keyed_cursor(arguments.get("after"))
    return Listed(
        where=criteria.conditions(compilation.today),
        order_by=[ChildModel.area_code, ChildModel.id],
        cursor_key=row.area_code + "|" + cast(row.id, String),
        after=()
        if after is None
        else [tuple_(ChildModel.area_code, ChildModel.id) > tuple_(*after)],
    )


def _due_rows(row: Any, arguments: Mapping[str, Any], compilation: Compilation) -> Listed:
    """`dueVisits` in SQL: the resolver's checks, `list_due_children`'s rows."""
    due_by = checked_due_by(arguments.get("within_days", 7), compilation.scope, compilation.today)
    after = decode_dated_cursor(arguments.get("after"))
    return Listed(
        where=[*ChildCriteria().conditions(due_by), ChildModel.next_visit_due <= due_by],
        order_by=[ChildModel.next_visit_due, ChildModel.id],
        cursor_key=cast(row.next_visit_due, String) + "|" + cast(row.id, String),
        after=()
        if after is None
        else [tuple_(ChildModel.next_visit_due, ChildModel.id) > tuple_(*after)],
    )


def _one_child(row: Any, arguments: Mapping[str, Any], _compilation: Compilation) -> Terms | None:
    """`child(id)` in SQL: a live child by global id; nothing for another type's id."""
    global_id: relay.GlobalID = arguments["id"]
    key = parse_uuids([global_id.node_id])[0] if global_id.type_name == "Child" else None
    return None if key is None else [row.id == key, row.deleted_at.is_(None)]


CHILD_ROOTS: Mapping[str, RootList | RootOne] = {
    "children": RootList("Child", rows=_children_rows),
    "dueVisits": RootList("Child", rows=_due_rows),
    "child": RootOne("Child", where=_one_child),
}
"""How SQL serves the root fields about children (schema/compiler)."""
