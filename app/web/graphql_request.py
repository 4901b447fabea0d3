"""What an HTTP request to /graphql must be before anything is done with it.

A body larger than the limit is refused before it is read in full (413); a body that is not
UTF-8 JSON, not one object, or whose fields have the wrong types is refused before
authentication's result or the document is looked at (400). Either way the answer is JSON
with a typed error, `{"errors": [{"message", "extensions": {"code"}}]}`, in the request's
language: a program branches on the code, never on a status text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope

from app.auth.identity import API_KEY_HEADER, AUTHORIZATION
from app.i18n import N_, translate

# Without credentials a caller may only log in: its documents and variables are tiny.
ANONYMOUS_MAX_BODY_BYTES = 16 * 1024
_CREDENTIAL_HEADERS = (AUTHORIZATION.encode(), API_KEY_HEADER.encode())


class RequestError(Exception):
    """A request refused before its GraphQL document is looked at: an HTTP status, a stable
    code and a message template of app/messages.py (rendered in the request's language)."""

    def __init__(
        self, status: int, code: str, message: str, params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params

    def response(self) -> JSONResponse:
        """The JSON answer."""
        text = translate(self.message, self.params)
        body = {"errors": [{"message": text, "extensions": {"code": self.code}}]}
        return JSONResponse(body, self.status)


def body_limit(scope: Scope, limit: int) -> int:
    """The largest body this request may send: `limit`, or far less without credentials."""
    sends_credentials = any(name.lower() in _CREDENTIAL_HEADERS for name, _ in scope["headers"])
    return limit if sends_credentials else min(limit, ANONYMOUS_MAX_BODY_BYTES)


def _too_large(limit: int) -> RequestError:
    return RequestError(
        413, "REQUEST_TOO_LARGE", "the request body is larger than {maximum} bytes",
        {"maximum": limit},
    )  # fmt: skip


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body, or RequestError(413) as soon as it is known to be over `limit`: from
    Content-Length before reading anything, else while reading."""
    for name, value in scope["headers"]:
        if name.lower() == b"content-length" and value.isdigit() and int(value) > limit:
            raise _too_large(limit)
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; what there is will not be answered anyway
        body.extend(message.get("body", b""))
        if len(body) > limit:
            raise _too_large(limit)
        if not message.get("more_body", False):
            break
    return bytes(body)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands out `body` (already read) once, then what the client sends."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


@dataclass(frozen=True)
class Payload:
    """The fields of a GraphQL request, each of the type the protocol says."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    document_id: str | None


def _json(data: bytes | str, field: str | None) -> object:
    """Decoded JSON; `field` names a query parameter, None is the body."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        # orjson refuses invalid UTF-8 and nesting deeper than 1,024 levels itself.
        reason = str(error)
        params = {"field": field}
        if "UTF-8" in reason:
            message = N_("{field} is not UTF-8 text") if field else N_("the body is not UTF-8 text")
        elif "depth limit" in reason:
            message = (
                N_("{field} is nested too deeply") if field else N_("the body is nested too deeply")
            )
        else:
            message = N_("{field} is not valid JSON") if field else N_("the body is not valid JSON")
        raise RequestError(400, "INVALID_JSON", message, params) from error


def _typed(value: object, kind: type, field: str) -> Any:
    if value is None or isinstance(value, kind):
        return value
    if kind is dict:
        raise RequestError(400, "BAD_REQUEST", "{field} must be a JSON object", {"field": field})
    raise RequestError(400, "BAD_REQUEST", "{field} must be a string", {"field": field})


def _payload(fields: Mapping[str, object]) -> Payload:
    extensions = _typed(fields.get("extensions"), dict, "extensions")
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is not None and not (
        isinstance(persisted, dict) and isinstance(persisted.get("sha256Hash"), str)
    ):
        raise RequestError(
            400, "BAD_REQUEST",
            "extensions.persistedQuery must be an object with a sha256Hash string",
        )  # fmt: skip
    return Payload(
        query=_typed(fields.get("query"), str, "query"),
        variables=_typed(fields.get("variables"), dict, "variables"),
        operation_name=_typed(fields.get("operationName"), str, "operationName"),
        extensions=extensions,
        document_id=_typed(fields.get("documentId"), str, "documentId"),
    )


def from_json_body(body: bytes) -> Payload:
    """A POSTed request: one JSON object (a list would be a batch, which is not supported)."""
    decoded = _json(body, None)
    if isinstance(decoded, list):
        raise RequestError(
            400, "BATCH_NOT_SUPPORTED", "send one operation per request: batches are not supported"
        )
    if not isinstance(decoded, dict):
        raise RequestError(400, "BAD_REQUEST", "the body must be a JSON object with a query")
    return _payload(decoded)


def from_query_params(params: Mapping[str, object]) -> Payload:
    """A GET request: `query`, `operationName`, `documentId` as text, `variables` and
    `extensions` as JSON text."""
    fields: dict[str, object] = {}
    for name in ("query", "operationName", "documentId", "variables", "extensions"):
        value = params.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str):  # a framework that gives repeated parameters as a list
            raise RequestError(400, "BAD_REQUEST", "{field} must be a string", {"field": name})
        fields[name] = _json(value, name) if name in ("variables", "extensions") else value
    return _payload(fields)
