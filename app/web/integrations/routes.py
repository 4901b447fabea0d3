"""`POST /integrations/absences.csv`: a school's absence records as a CSV file.

Same key, same rules and the same result as the `submitAbsences` mutation; errors are JSON
`{"errors": [{"code", "field", "message"}]}` with an HTTP status a script can branch on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.domain.absences import MAX_RECORDS_PER_SUBMISSION
from app.domain.validation import Problem
from app.errors import DomainError
from app.request_database import QueryTimeout, RequestDatabase
from app.services.absences import SubmissionResult, submit_absences
from app.services.common import Actor
from app.services.writes import run_write
from app.settings import Settings
from app.web.caller import resolve_caller
from app.web.integrations.absences_csv import CsvError, parse_absences

# About 200 bytes a row at most: room for the largest submission, not for abuse.
MAX_BODY_BYTES = MAX_RECORDS_PER_SUBMISSION * 400
_STATUS = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "IDEMPOTENCY_CONFLICT": 409,
    "TOO_MANY_RECORDS": 413,
}


def error_response(problems: list[Problem], status: int | None = None) -> JSONResponse:
    """The JSON error answer; the status follows the first problem's code unless given."""
    body = {
        "errors": [
            {"code": p.code, "field": p.field or None, "message": p.render()} for p in problems
        ]
    }
    return JSONResponse(body, status or _STATUS.get(problems[0].code, 400))


async def absences_csv(request: Request) -> JSONResponse:
    """Submit absence records as CSV; `?batchId=` names the batch (resending it is safe)."""
    caller = await resolve_caller(request)
    if caller.identity is None:
        code = caller.auth_error or "UNAUTHENTICATED"
        return error_response(
            [Problem(code, "", "send the school's key in the X-API-Key header")], 401
        )
    batch_id = request.query_params.get("batchId")
    if not batch_id:
        return error_response([Problem("REQUIRED", "batchId", "add ?batchId=… to the URL")])
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            return _too_large()
    try:
        rows = parse_absences(bytes(body))
    except CsvError as error:
        return error_response([Problem("INVALID_CSV", "body", error.template, error.params)])

    settings: Settings = request.app.state.settings

    async def submit(session: AsyncSession, actor: Actor) -> SubmissionResult:
        return await submit_absences(session, actor, batch_id, rows, settings.dropout_rule)

    db = RequestDatabase(caller.scoped.sessions)
    try:
        result = await run_write(
            db,
            caller.scoped.scope,
            action_name="submitAbsences",
            operation_name="absences.csv",
            action=submit,
            records=lambda r: [f"AbsenceBatch:{r.batch_id}", *(f"Case:{c}" for c in r.case_ids)],
        )
    except DomainError as error:
        return error_response(error.problems)
    except QueryTimeout:
        timeout = Problem("QUERY_TIMEOUT", "", "the database took too long to answer: retry later")
        return error_response([timeout], 503)
    finally:
        await db.close()
    answer: dict[str, Any] = result.to_json(messages=True)
    return JSONResponse(answer)


def _too_large() -> JSONResponse:
    return error_response(
        [Problem("TOO_MANY_RECORDS", "body", "at most {maximum} records per file; split it",
                 {"maximum": MAX_RECORDS_PER_SUBMISSION})],
        413,
    )  # fmt: skip
