"""Exports for spreadsheets (CSV and xlsx): the area statistics, as areaStatistics publishes
them, and the supervisor's view of staff work, as staffWork publishes it (but the overdue
counts a county sees in full on screen only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime
from typing import TypeVar

from openpyxl import Workbook
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams
from starlette.responses import JSONResponse, Response

from app import clock
from app.database import is_timeout
from app.domain.measures import CHILDREN, MEASURES, VISITED
from app.domain.quarters import EARLIEST_AS_OF, quarter_label
from app.domain.staff_work import CHILD_MEASURES, WorkMeasure
from app.domain.validation import check_day_not_future
from app.enums import AreaLevel
from app.i18n import translate
from app.services.statistics.report import Counts, StatisticsReport, statistics_report
from app.services.statistics.staff_work import (
    AreaWork,
    DirectorWork,
    StaffWorkReport,
    WorkCounts,
    staff_work_report,
)
from authz.request_scope import RequestScope

# What a suppressed cell shows (docs/authorization.md): a number would be wrong, and an
# empty cell would read as "no data".
SUPPRESSED = "*"
# Excel reads a UTF-8 file as the local code page unless it starts with a byte-order mark.
BOM = "\ufeff"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
T = TypeVar("T")


def _line(counts: Counts) -> list[str]:
    cells = [
        SUPPRESSED if value is None else str(value)
        for value in (counts.count(m.name) for m in MEASURES)
    ]
    coverage = counts.ratio(VISITED.name, CHILDREN.name)
    hidden = VISITED.name in counts.hidden or CHILDREN.name in counts.hidden
    rate = SUPPRESSED if hidden else "" if coverage is None else f"{coverage:.1%}"
    return [counts.code, counts.name, *cells, rate]


def statistics_csv(report: StatisticsReport) -> str:
    """The report as CSV: a header, the area's own line, then one line per child area."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["地区代码", "地区名称", *(m.label for m in MEASURES), "本季度走访覆盖率"])
    for counts in (report.total, *report.rows):
        writer.writerow(_line(counts))
    return out.getvalue()


def _problem(
    status: int, code: str, message: str, params: Mapping[str, object] | None = None
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = {"error": code, "message": translate(message, params)}
    return JSONResponse(body, status, headers=headers)


async def _asked(
    params: QueryParams, access: RequestScope, auth_error: str | None, day_name: str
) -> tuple[str, date] | JSONResponse:
    """`?area=CODE&<day_name>=YYYY-MM-DD` (the day optional, default today): the area and
    the day, or a JSON problem with 401 (no valid credentials) or 400 (bad parameters)."""
    if access.scope.principal.anonymous:
        return _problem(401, auth_error or "UNAUTHENTICATED", "log in or send an API key")
    area = params.get("area", "")
    if not area:
        return _problem(400, "BAD_REQUEST", "give the area: ?area=420702")
    today = clock.today()
    try:
        day = date.fromisoformat(params[day_name]) if day_name in params else today
    except ValueError:
        return _problem(400, "BAD_REQUEST", "{field} is a date: YYYY-MM-DD", {"field": day_name})
    future = check_day_not_future(day, day_name, today)
    if future is not None:
        return _problem(400, future.code, future.message, future.params)
    if day < EARLIEST_AS_OF:
        return _problem(
            400, "BAD_REQUEST", "{field} is a day from {earliest} to today",
            {"field": day_name, "earliest": EARLIEST_AS_OF},
        )  # fmt: skip
    return area, day


async def _read(
    access: RequestScope, action: Callable[[AsyncSession], Awaitable[T]]
) -> T | JSONResponse:
    """The report read in the caller's report session, or 503 when the statement timeout ran
    out."""
    try:
        async with (await access.report_sessions())() as session:
            return await action(session)
    except DBAPIError as error:
        if not is_timeout(error):
            raise
        return _problem(503, "QUERY_TIMEOUT", "the database took too long to answer: retry later")


async def _report(
    params: QueryParams, access: RequestScope, auth_error: str | None
) -> StatisticsReport | JSONResponse:
    """`?area=CODE&asOf=YYYY-MM-DD` (asOf optional): the report, or a JSON problem with
    401 (no valid credentials), 400 (bad parameters), 404 (unknown or out of scope) or 503
    (the statement timeout ran out)."""
    asked = await _asked(params, access, auth_error, "asOf")
    if isinstance(asked, JSONResponse):
        return asked
    area, as_of = asked
    report = await _read(access, lambda s: statistics_report(s, access.scope, area, as_of))
    if report is None:
        return _problem(404, "NOT_FOUND", "no statistics of area {area} for you", {"area": area})
    return report


async def statistics_csv_response(
    params: QueryParams, access: RequestScope, auth_error: str | None
) -> Response:
    """`?area=CODE&asOf=YYYY-MM-DD` (asOf optional): the CSV, or a JSON problem (`_report`)."""
    report = await _report(params, access, auth_error)
    if isinstance(report, JSONResponse):
        return report
    filename = f"statistics-{report.total.code}-{quarter_label(report.quarter)}.csv"
    return _attachment(BOM + statistics_csv(report), CSV, filename)


def _attachment(body: str | bytes, media_type: str, filename: str) -> Response:
    """A file to download."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _workbook(sheet_name: str, rows: Iterable[list[object]]) -> bytes:
    """An xlsx workbook of one sheet (write-only: rows stream, nothing is kept)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_COVERAGE = "本季度走访覆盖率"


def _cells(counts: Counts) -> list[object]:
    # Numbers stay numbers in the sheet; a suppressed cell and the rate are text.
    return [int(cell) if cell.isdigit() else cell for cell in _line(counts)]


async def statistics_xlsx_response(
    params: QueryParams, access: RequestScope, auth_error: str | None
) -> Response:
    """The CSV's report as an xlsx workbook (write-only), with the same problems."""
    report = await _report(params, access, auth_error)
    if isinstance(report, JSONResponse):
        return report
    header: list[object] = ["地区代码", "地区名称", *(m.label for m in MEASURES), _COVERAGE]
    rows = [header, *(_cells(counts) for counts in (report.total, *report.rows))]
    filename = f"statistics-{report.total.code}-{quarter_label(report.quarter)}.xlsx"
    return _attachment(_workbook("统计", rows), XLSX, filename)


# The supervisor's view of staff work (staffWork): a township's line then one per director,
# or a county's line then one per township.
_DIRECTOR_HEADER = [
    "村(居)代码", "村(居)名称", "儿童主任", "最近培训合格日期", "复训到期日期",
    *(m.label for m in CHILD_MEASURES), _COVERAGE, "本季度走访次数", "最近工作时间",
]  # fmt: skip
_AREA_HEADER = [
    "地区代码", "地区名称", "村(居)数", "已配备儿童主任的村(居)数", "儿童主任配备率",
    "儿童主任人数", "培训在有效期内的儿童主任", "儿童主任培训率", "儿童督导员人数",
    "乡镇(街道)数", "已配备儿童督导员的乡镇(街道)数",
    *(m.label for m in CHILD_MEASURES), _COVERAGE, "本季度走访次数", "最近工作时间",
]  # fmt: skip


def _cell(counts: WorkCounts, measure: WorkMeasure) -> str:
    value = counts.count(measure.name)
    return SUPPRESSED if value is None else str(value)


def _rate(value: float | None, withheld: bool) -> str:
    return SUPPRESSED if withheld else "" if value is None else f"{value:.1%}"


def _moment(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")


def _work(counts: WorkCounts, last: datetime | None) -> list[str]:
    withheld = bool({"children", "visited"} & counts.hidden)
    return [
        *(_cell(counts, m) for m in CHILD_MEASURES),
        _rate(counts.share("visited", "children"), withheld),
        str(counts.values.get("visits_done", 0)),
        _moment(last),
    ]


def _area_line(row: AreaWork) -> list[str]:
    c = row.counts
    return [
        row.code, row.name, str(c.values["villages"]), str(c.values["villages_with_director"]),
        _rate(c.share("villages_with_director", "villages"), False),
        str(c.values["directors"]), str(c.values["trained_directors"]),
        _rate(c.share("trained_directors", "directors"), False), str(c.values["supervisors"]),
        str(row.townships), str(row.townships_with_supervisor),
        *_work(c, row.last_activity_at),
    ]  # fmt: skip


def _director_line(row: DirectorWork) -> list[str]:
    person = row.person
    trained = "" if person.trained_on is None else person.trained_on.isoformat()
    due = "" if row.refresher_due is None else row.refresher_due.isoformat()
    return [
        person.area_code, row.village_name, person.name, trained, due,
        *_work(row.counts, person.last_activity_at),
    ]  # fmt: skip


def staff_work_table(report: StaffWorkReport) -> list[list[str]]:
    """The report as lines: the header, the area's own line, then its directors' (a
    township) or its townships' (a county)."""
    if report.level is AreaLevel.COUNTY:
        return [_AREA_HEADER, _area_line(report.total), *map(_area_line, report.townships)]
    total = report.total
    own = [total.code, total.name, "", "", "", *_work(total.counts, total.last_activity_at)]
    return [_DIRECTOR_HEADER, own, *map(_director_line, report.directors)]


async def _staff_work(
    params: QueryParams, access: RequestScope, auth_error: str | None
) -> StaffWorkReport | JSONResponse:
    """`?area=CODE&quarter=YYYY-MM-DD` (quarter: any day of it, optional): the report, or a
    JSON problem as `_report`'s."""
    asked = await _asked(params, access, auth_error, "quarter")
    if isinstance(asked, JSONResponse):
        return asked
    area, day = asked
    report = await _read(access, lambda s: staff_work_report(s, access.scope, area, day))
    if report is None:
        return _problem(404, "NOT_FOUND", "no staff work of area {area} for you", {"area": area})
    return report


def _filename(report: StaffWorkReport, suffix: str) -> str:
    return f"staff-work-{report.area}-{quarter_label(report.quarter)}.{suffix}"


async def staff_work_csv_response(
    params: QueryParams, access: RequestScope, auth_error: str | None
) -> Response:
    """`?area=CODE&quarter=YYYY-MM-DD`: staffWork as CSV, or a JSON problem (`_staff_work`)."""
    report = await _staff_work(params, access, auth_error)
    if isinstance(report, JSONResponse):
        return report
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(staff_work_table(report))
    return _attachment(BOM + out.getvalue(), CSV, _filename(report, "csv"))


async def staff_work_xlsx_response(
    params: QueryParams, access: RequestScope, auth_error: str | None
) -> Response:
    """The CSV's report as an xlsx workbook (write-only), with the same problems."""
    report = await _staff_work(params, access, auth_error)
    if isinstance(report, JSONResponse):
        return report
    header, *lines = staff_work_table(report)
    rows: list[list[object]] = [list(header)]
    for line in lines:
        # Numbers stay numbers in the sheet; codes, names, dates, rates and "*" are text.
        rows.append(
            [int(cell) if cell.isdigit() and i >= 2 else cell for i, cell in enumerate(line)]
        )
    return _attachment(_workbook("工作情况", rows), XLSX, _filename(report, "xlsx"))
