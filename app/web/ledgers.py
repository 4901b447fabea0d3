"""Ledgers for spreadsheets (xlsx, Chinese headers): the children (台账) and the visits
(走访台账) the caller may see.

They are read as the GraphQL lists read them: the caller's scoped session (row-level
security decides the rows), the children's filter of `children(filter:)` with its refusal of
filters on hidden fields, and the Child type's field rules (authz/fields.py) for the columns
and the ID numbers. Each export is one audit event naming its filter and row count, with the
children whose files it showed (full ID numbers among them) as reads, like a GraphQL read.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app import clock
from app.database import is_timeout
from app.domain.classification import ADULT_AGE
from app.domain.idnumber import mask_id_number
from app.enums import ChildCategory
from app.models import Child, Guardianship, Visit
from app.services.audit import AuditTrail, write_read_event
from app.settings import Settings
from app.store.areas import areas_by_code
from app.store.children import ChildCriteria, children_by_id, count_children, list_children
from app.store.guardianships import active_guardians
from app.store.search import Search, count_search_children, search_children
from app.store.visits import count_visits, list_visits
from app.web.caller import resolve_caller
from app.web.exports import XLSX, _problem
from authz.fields import (
    ChildView,
    Disclosure,
    child_search_rule,
    child_view,
    hidden_fields,
    id_number_disclosure,
    possible_views,
)
from authz.scope import Scope
from schema.children.query import ChildFilter

# Rows read per statement: the export pages through its rows as the lists do.
PAGE = 1000
YES, NO = "是", "否"


def _append(sheet: Any, values: Sequence[object]) -> None:
    """Add a line to a write-only sheet; text stays text: a name or note that starts with
    "=" must not become a formula in the spreadsheet of whoever opens it."""
    sheet.append(
        [_text(sheet, v) if isinstance(v, str) and v.startswith("=") else v for v in values]
    )


def _text(sheet: Any, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _yes_no(value: bool | None) -> str:
    return "" if value is None else YES if value else NO


def _label(value: Any) -> str:
    return "" if value is None else str(value.label)


@dataclass(frozen=True)
class Column:
    """A column of a ledger: its header, the field of CHILD_FIELDS it shows (None: the ID
    number, whose rule is its own), and its cell."""

    header: str
    field: str | None
    cell: Callable[[ChildRow], object]


@dataclass(frozen=True)
class ChildRow:
    """What a line of the children's ledger is made of."""

    child: Child
    area_name: str
    guardian: Guardianship | None
    id_number: str | None
    today: date


CHILD_COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", lambda r: r.child.name),
    Column("性别", "gender", lambda r: _label(r.child.gender)),
    Column("出生日期", "birth_date", lambda r: r.child.birth_date),
    Column("身份证号", None, lambda r: r.id_number or ""),
    Column("地区代码", "area_code", lambda r: r.child.area_code),
    Column("村(社区)", "area_code", lambda r: r.area_name),
    Column("儿童类别", "categories", lambda r: "、".join(c.label for c in r.child.categories)),
    Column("是否重点儿童", "is_key_child", lambda r: _yes_no(r.child.is_key_child)),
    Column("居住情况", "living_arrangement", lambda r: _label(r.child.living_arrangement)),
    Column("监护人", "has_confirmed_guardian", lambda r: r.guardian and r.guardian.guardian_name),
    Column("监护人与儿童关系", "has_confirmed_guardian", lambda r: _relation(r.guardian)),
    Column("就学情况", "school_status", lambda r: _label(r.child.school_status)),
    Column("学号", "student_number", lambda r: r.child.student_number or ""),
    Column("下次走访日期", "next_visit_due", lambda r: r.child.next_visit_due),
    Column("是否逾期未走访", "visit_overdue", lambda r: _overdue(r.child, r.today)),
)  # fmt: skip


def _relation(guardian: Guardianship | None) -> str:
    return "" if guardian is None else _label(guardian.relation)


def _overdue(child: Child, today: date) -> str:
    return "" if child.next_visit_due is None else _yes_no(child.next_visit_due < today)


def child_columns(scope: Scope) -> list[Column]:
    """The columns the caller gets: a field some view it may get hides is left out (as the
    lists refuse to filter by it); the ID number only for staff who may see it at all."""
    hidden = set(hidden_fields(scope, {c.field for c in CHILD_COLUMNS if c.field is not None}))
    full = ChildView.FULL in possible_views(scope)
    return [c for c in CHILD_COLUMNS if (c.field not in hidden if c.field is not None else full)]


VISIT_HEADER = (
    "走访日期", "儿童姓名", "地区代码", "村(社区)", "走访方式", "居住条件", "监护情况",
    "就学情况", "健康状况", "心理状况", "发现的风险", "下次走访日期",
)  # fmt: skip


def _visit_line(visit: Visit, child: Child | None, area_name: str) -> list[object]:
    return [
        clock.local_day(visit.visited_at), "" if child is None else child.name,
        visit.area_code, area_name,
        _label(visit.kind), _label(visit.living_conditions), _label(visit.guardianship),
        _label(visit.schooling), _label(visit.health), _label(visit.mental_state),
        "、".join(visit.risks_found), visit.next_visit_due,
    ]  # fmt: skip


# The query parameters of /exports/children.xlsx → the ChildFilter fields they set.
_CHILD_PARAMS: Mapping[str, str] = {
    "areaCode": "area_code",
    "category": "category",
    "keyChild": "key_child",
    "livingAlone": "living_alone",
    "withoutConfirmedGuardian": "without_confirmed_guardian",
    "visitOverdue": "visit_overdue",
    "name": "name",
    "minAge": "min_age",
    "maxAge": "max_age",
    "search": "search",
}
_FLAGS = {"key_child", "living_alone", "without_confirmed_guardian", "visit_overdue"}
_AGES = {"min_age", "max_age"}
_VISIT_PARAMS = ("areaCode",)


def _unknown(params: QueryParams, known: Sequence[str]) -> JSONResponse | None:
    unknown = sorted(set(params) - set(known))
    if not unknown:
        return None
    return _problem(
        400, "BAD_REQUEST", "unknown parameter {name}: use {known}",
        {"name": unknown[0], "known": ", ".join(known)},
    )  # fmt: skip


def child_filter(params: QueryParams, scope: Scope) -> ChildFilter | JSONResponse:
    """The filter the query parameters spell (as `children(filter:)` takes it), or a 400
    for a malformed value and a 403 for a filter on a field the caller's view hides."""
    refused = _unknown(params, list(_CHILD_PARAMS))
    if refused is not None:
        return refused
    values: dict[str, object] = {}
    for name, field in _CHILD_PARAMS.items():
        if name not in params:
            continue
        raw = params[name]
        if field in _FLAGS:
            if raw not in ("true", "false"):
                return _problem(400, "BAD_REQUEST", "{name} is true or false", {"name": name})
            values[field] = raw == "true"
        elif field in _AGES:
            if not raw.isdigit() or int(raw) > ADULT_AGE:
                return _problem(
                    400, "OUT_OF_RANGE", "{name} is an age from 0 to {most}",
                    {"name": name, "most": ADULT_AGE},
                )  # fmt: skip
            values[field] = int(raw)
        elif field == "category":
            category = ChildCategory.__members__.get(raw.upper())
            if category is None:
                return _problem(
                    400, "BAD_REQUEST", "unknown category {value}: use {known}",
                    {"value": raw, "known": ", ".join(ChildCategory.__members__)},
                )  # fmt: skip
            values[field] = category
        else:
            values[field] = raw
    found = ChildFilter(**values)  # type: ignore[arg-type]
    hidden = found.hidden_filters(scope)
    if hidden:
        names = ", ".join(h.removeprefix("filter.") for h in hidden)
        return _problem(
            403, "FORBIDDEN_FILTER",
            "you may not narrow or order children by {fields}: your view of them does not show it",
            {"fields": names},
        )  # fmt: skip
    return found


def _too_large(count: int, most: int) -> JSONResponse:
    return _problem(
        413, "EXPORT_TOO_LARGE",
        "the export would hold {count} rows, more than {most}: narrow it by area or filters",
        {"count": count, "most": most},
    )  # fmt: skip


def _xlsx(book: Workbook, name: str) -> Response:
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _area_names(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    unique = sorted(set(codes))
    return {
        code: "" if area is None else area.name
        for code, area in zip(unique, await areas_by_code(session, unique), strict=True)
    }


def _child_line(
    scope: Scope, row: ChildRow, columns: Sequence[Column], trail: AuditTrail
) -> list[object]:
    if child_view(scope, row.child.area_code) is ChildView.FULL:
        full = f"Child:{row.child.id}" in trail.reads
        trail.file(row.child.id, row.child.area_code, id_number=full)
    return [column.cell(row) for column in columns]


def _shown_id_number(scope: Scope, child: Child, trail: AuditTrail) -> str | None:
    # As schema/core/id_numbers.shown_id_number shows it: a full one is a read of it.
    sealed = Child.id_number.sealed(child)
    if sealed is None:
        return None
    disclosure = id_number_disclosure(scope, child.area_code)
    if disclosure is Disclosure.FULL:
        trail.read(f"Child:{child.id}")
        return sealed.reveal()
    return mask_id_number(sealed.reveal()) if disclosure is Disclosure.MASKED else None


async def _audit(request: Request, scope: Scope, trail: AuditTrail, what: str, count: int) -> None:
    """One event for the export: the route with its filter, and how many rows it held."""
    query = f"GET {request.url.path}?{request.url.query} ({what}: {count})"
    async with request.app.state.service_sessions() as session, session.begin():
        await write_read_event(
            session, scope.principal, trail, operation_name=request.url.path, query=query
        )


async def children_xlsx(request: Request) -> Response:
    """GET /exports/children.xlsx?areaCode=…&category=…&keyChild=…&search=…: the children's
    ledger (the filters of `children(filter:)`, the search ranked as the list ranks it), or
    a JSON problem: 401, 400 (bad parameters), 403 (a filter on a hidden field), 413
    (more rows than SHOUHU_EXPORT_MAX_ROWS), 503."""
    caller = await resolve_caller(request)
    scope = caller.scoped.scope
    if scope.principal.anonymous:
        return _problem(401, caller.auth_error or "UNAUTHENTICATED", "log in or send an API key")
    found = child_filter(request.query_params, scope)
    if isinstance(found, JSONResponse):
        return found
    criteria = found.criteria()
    # The list's search: the same keys, matched as the caller's search rule lets them.
    search = (
        None if found.search is None else Search.of(found.search, child_search_rule(scope), scope)
    )
    settings: Settings = request.app.state.settings
    today = clock.today()
    columns = child_columns(scope)
    trail = AuditTrail()
    try:
        async with (await caller.scoped.report_sessions())() as session:
            count = await (
                count_children(session, criteria, today=today)
                if search is None
                else count_search_children(session, search, criteria, today=today)
            )
            if count > settings.export_max_rows:
                return _too_large(count, settings.export_max_rows)
            # The workbook is made only for an export that is answered (write-only mode
            # writes its rows out as they come).
            book = Workbook(write_only=True)
            sheet = book.create_sheet("儿童台账")
            sheet.append([c.header for c in columns])
            pages = _listed if search is None else _searched(search)
            await _children_lines(session, scope, criteria, today, columns, sheet, trail, pages)
    except DBAPIError as error:
        if not is_timeout(error):
            raise
        return _problem(503, "QUERY_TIMEOUT", "the database took too long to answer: retry later")
    await _audit(request, scope, trail, "children", count)
    return _xlsx(book, f"children-{found.area_code or 'all'}-{today}.xlsx")


# The children of a ledger, page by page: each page after the last child of the one before.
Pages = Callable[[AsyncSession, ChildCriteria, date], AsyncIterator[list[Child]]]


async def _listed(
    session: AsyncSession, criteria: ChildCriteria, today: date
) -> AsyncIterator[list[Child]]:
    after: tuple[str, uuid.UUID] | None = None
    while page := await list_children(session, criteria, today=today, after=after, limit=PAGE):
        yield page
        after = (page[-1].area_code, page[-1].id)


def _searched(search: Search) -> Pages:
    async def pages(
        session: AsyncSession, criteria: ChildCriteria, today: date
    ) -> AsyncIterator[list[Child]]:
        after: tuple[int, str, uuid.UUID] | None = None
        while found := await search_children(
            session, search, criteria, today=today, after=after, limit=PAGE
        ):
            yield [child for child, _rank in found]
            last, rank = found[-1]
            after = (rank, last.area_code, last.id)

    return pages


async def _children_lines(
    session: AsyncSession,
    scope: Scope,
    criteria: ChildCriteria,
    today: date,
    columns: Sequence[Column],
    sheet: Any,
    trail: AuditTrail,
    pages: Pages,
) -> None:
    guardians_shown = any(c.field == "has_confirmed_guardian" for c in columns)
    async for page in pages(session, criteria, today):
        ids = [c.id for c in page]
        guardians = await active_guardians(session, ids) if guardians_shown else [None] * len(ids)
        names = await _area_names(session, [c.area_code for c in page])
        for child, guardian in zip(page, guardians, strict=True):
            shown = _shown_id_number(scope, child, trail)
            row = ChildRow(child, names[child.area_code], guardian, shown, today)
            _append(sheet, _child_line(scope, row, columns, trail))


async def visits_xlsx(request: Request) -> Response:
    """GET /exports/visits.xlsx?areaCode=…: the visit ledger of the visits the caller may
    see (of the area and those below it), newest first; problems as children.xlsx's."""
    caller = await resolve_caller(request)
    scope = caller.scoped.scope
    if scope.principal.anonymous:
        return _problem(401, caller.auth_error or "UNAUTHENTICATED", "log in or send an API key")
    refused = _unknown(request.query_params, _VISIT_PARAMS)
    if refused is not None:
        return refused
    area = request.query_params.get("areaCode") or None
    settings: Settings = request.app.state.settings
    try:
        async with (await caller.scoped.report_sessions())() as session:
            count = await count_visits(session, child_id=None, area_prefix=area)
            if count > settings.export_max_rows:
                return _too_large(count, settings.export_max_rows)
            book = Workbook(write_only=True)
            sheet = book.create_sheet("走访台账")
            sheet.append(list(VISIT_HEADER))
            after: tuple[datetime, uuid.UUID] | None = None
            while page := await list_visits(
                session, child_id=None, after=after, limit=PAGE, area_prefix=area
            ):
                children = await children_by_id(session, [v.child_id for v in page])
                names = await _area_names(session, [v.area_code for v in page])
                for visit, child in zip(page, children, strict=True):
                    _append(sheet, _visit_line(visit, child, names[visit.area_code]))
                after = (page[-1].visited_at, page[-1].id)
    except DBAPIError as error:
        if not is_timeout(error):
            raise
        return _problem(503, "QUERY_TIMEOUT", "the database took too long to answer: retry later")
    await _audit(request, scope, AuditTrail(), "visits", count)
    return _xlsx(book, f"visits-{area or 'all'}-{clock.today()}.xlsx")
