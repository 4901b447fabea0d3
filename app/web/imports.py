"""POST /imports/children: a county's ledger (台账) uploaded by its staff, answered with the
import's report as a JSON document (the same report `shouhu import children` prints).

The file is the request body (Content-Type: the file's own, or application/octet-stream) or
the `file` part of a multipart/form-data form. Query parameters: `dryRun=true` (report,
write nothing), `areaCode=` (as the CLI's --area), `map=源列=标准列` (repeatable), and
`fileName=` for a raw body. Authenticated as /exports/children.xlsx is; the rows are written
on the caller's scoped sessions (app/services/imports.py).
"""

from __future__ import annotations

from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse

from app import clock
from app.domain.imports import parse_mapping
from app.errors import DomainError
from app.progress import SilentReporter
from app.services.common import Actor
from app.services.imports import ImportRequest, import_sessions, run_import
from app.web.caller import resolve_caller
from app.web.exports import _problem
from authz.guard import require_trained

# The largest ledger taken (a 200,000-row xlsx is about 15 MB).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
_PARAMS = ("dryRun", "areaCode", "map", "fileName")


def _too_large() -> JSONResponse:
    return _problem(
        413, "PAYLOAD_TOO_LARGE", "the file is larger than {most} bytes: split the ledger",
        {"most": MAX_UPLOAD_BYTES},
    )  # fmt: skip


def _form_file(content_type: str, body: bytes) -> tuple[bytes, str] | None:
    """The `file` part of a multipart/form-data body: its bytes and file name."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        assert isinstance(part, Message)
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            name = part.get_filename() or "ledger"
            return (payload if isinstance(payload, bytes) else b""), name
    return None


async def children_import(request: Request) -> JSONResponse:
    """POST /imports/children: the report (200), or a JSON problem: 401, 403 (the caller
    writes no child's file anywhere), 400 (bad parameters or no file), 413, 422 (a file that
    is no ledger, with the report)."""
    caller = await resolve_caller(request)
    scope = caller.scoped.scope
    if scope.principal.anonymous:
        return _problem(401, caller.auth_error or "UNAUTHENTICATED", "log in or send an API key")
    if not scope.can("child_file", "write"):
        return _problem(403, "FORBIDDEN", "you may not write children's files")
    try:
        require_trained(scope)
    except DomainError as refused:
        problem = refused.problems[0]
        return _problem(403, problem.code, problem.message, problem.params)
    params = request.query_params
    unknown = sorted(set(params) - set(_PARAMS))
    if unknown:
        return _problem(
            400, "BAD_REQUEST", "unknown parameter {name}: use {known}",
            {"name": unknown[0], "known": ", ".join(_PARAMS)},
        )  # fmt: skip
    dry_run = params.get("dryRun", "false")
    if dry_run not in ("true", "false"):
        return _problem(400, "BAD_REQUEST", "{name} is true or false", {"name": "dryRun"})
    mapping, problems = parse_mapping(params.getlist("map"))
    if problems:
        return _problem(400, problems[0].code, problems[0].message, problems[0].params)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        return _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_UPLOAD_BYTES:
            return _too_large()
    content_type = request.headers.get("content-type", "")
    file_name = params.get("fileName") or "ledger"
    data = bytes(body)
    if content_type.startswith("multipart/form-data"):
        found = _form_file(content_type, data)
        if found is None:
            return _problem(400, "BAD_REQUEST", "send the ledger as the form's file part")
        data, file_name = found
    if not data:
        return _problem(400, "BAD_REQUEST", "send the ledger as the request body")
    ledger = ImportRequest(
        body=data, file_name=file_name, area_code=params.get("areaCode") or None,
        mapping=mapping, dry_run=dry_run == "true",
    )  # fmt: skip
    actor = Actor(scope=scope, now=clock.now())
    sessions = import_sessions(request.app.state.engine, scope, actor.today)
    try:
        report = await run_import(sessions, actor, ledger, SilentReporter())
    except IntegrityError:
        # A write of someone else's committed meanwhile (the same child registered): nothing
        # of this import was written.
        return _problem(
            409, "CONFLICT", "a record of the ledger was written meanwhile: import it again"
        )
    return JSONResponse(report.document(), 422 if report.problems else 200)
