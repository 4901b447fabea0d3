"""Exports for spreadsheets (CSV and xlsx): the area statistics, as areaStatistics publishes
them."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date

from openpyxl import Workbook
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import QueryParams
from starlette.responses import JSONResponse, Response

from app import clock
from app.database import is_timeout
from app.domain.measures import CHILDREN, MEASURES, VISITED
from app.domain.quarters import EARLIEST_AS_OF, quarter_label
from app.domain.validation import check_day_not_future
from app.i18n import translate
from app.services.statistics.report import Counts, StatisticsReport, statistics_report
from authz.request_scope import RequestScope

# What a suppressed cell shows (docs/authorization.md): a number would be wrong, and an
# empty cell would read as "no data".
SUPPRESSED = "*"
# Excel reads a UTF-8 file as the local code page unless it starts with a byte-order mark.
BOM = "\ufeff"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


async def _report(
    params: QueryParams, access: RequestScope, auth_error: str | None
) -> StatisticsReport | JSONResponse:
    """`?area=CODE&asOf=YYYY-MM-DD` (asOf optional): the report, or a JSON problem with
    401 (no valid credentials), 400 (bad parameters), 404 (unknown or out of scope) or 503
    (the statement timeout ran out)."""
    if access.scope.principal.anonymous:
        return _problem(401, auth_error or "UNAUTHENTICATED", "log in or send an API key")
    area = params.get("area", "")
    if not area:
        return _problem(400, "BAD_REQUEST", "give the area: ?area=420702")
    today = clock.today()
    try:
        as_of = date.fromisoformat(params["asOf"]) if "asOf" in params else today
    except ValueError:
        return _problem(400, "BAD_REQUEST", "asOf is a date: YYYY-MM-DD")
    future = check_day_not_future(as_of, "asOf", today)
    if future is not None:
        return _problem(400, future.code, future.message, future.params)
    if as_of < EARLIEST_AS_OF:
        return _problem(
            400, "BAD_REQUEST", "asOf is a day from {earliest} to today",
            {"earliest": EARLIEST_AS_OF},
        )  # fmt: skip
    try:
        async with (await access.report_sessions())() as session:
            report = await statistics_report(session, access.scope, area, as_of)
    except DBAPIError as error:
        if not is_timeout(error):
            raise
        return _problem(503, "QUERY_TIMEOUT", "the database took too long to answer: retry later")
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
    return Response(
        BOM + statistics_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


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
    book = Workbook(write_only=True)
    sheet = book.create_sheet("统计")
    sheet.append(["地区代码", "地区名称", *(m.label for m in MEASURES), "本季度走访覆盖率"])
    for counts in (report.total, *report.rows):
        sheet.append(_cells(counts))
    out = io.BytesIO()
    book.save(out)
    filename = f"statistics-{report.total.code}-{quarter_label(report.quarter)}.xlsx"
    return Response(
        out.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
