"""The HTTP side of observability: every request's id (the X-Request-ID answer header, and
in every log line written while it is served) and its metrics, and the /metrics endpoint."""

from __future__ import annotations

import hmac
import ipaddress
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import context, metrics
from app.observability.backlog import Backlog
from app.replica import Replica
from app.settings import Settings
from app.web.graphql_request import RequestError

REQUEST_ID_HEADER = b"x-request-id"


class ObservabilityMiddleware:
    """Gives each request an id (a trusted proxy's well-formed X-Request-ID, else a new
    one), answers it in X-Request-ID, and counts the request when its answer is sent."""

    def __init__(self, app: ASGIApp, trust_request_id: bool, routes: frozenset[str]) -> None:
        self.app = app
        self.trust_request_id = trust_request_id
        # The paths that are labels of their own (the app's plain routes); others: "other".
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        if self.trust_request_id:
            incoming = next(
                (v.decode("latin-1") for k, v in scope["headers"] if k == REQUEST_ID_HEADER),
                None,
            )
        record, token = context.begin(incoming)
        path = scope["path"]
        record.operation = path if path in self.routes else "other"
        header = (REQUEST_ID_HEADER, record.request_id.encode())
        status = 500  # what the server answers if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.observe_request(record, time.perf_counter() - started, status)
            context.end(token)


async def metrics_endpoint(request: Request) -> Response:
    """GET /metrics: the Prometheus text format, to the holder of SHOUHU_METRICS_TOKEN or,
    when none is set, to this host only (loopback)."""
    settings: Settings = request.app.state.settings
    refusal = _refusal(request, settings.metrics_token)
    if refusal is not None:
        return refusal.response()
    backlog: Backlog = request.app.state.backlog
    await backlog.refresh()
    replica: Replica | None = request.app.state.replica
    if replica is not None:
        await replica.fresh()  # its lag as of this scrape (checked at most once a second)
    return Response(metrics.exposition([backlog]), media_type=metrics.CONTENT_TYPE)


def _refusal(request: Request, token: str | None) -> RequestError | None:
    if token is not None:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), token.encode()
        ):
            return None
        return RequestError(
            401, "UNAUTHENTICATED", "/metrics needs the metrics token: Authorization: Bearer …"
        )
    if request.client is not None and _loopback(request.client.host):
        return None
    return RequestError(
        403,
        "FORBIDDEN",
        "/metrics answers this host only: set SHOUHU_METRICS_TOKEN to scrape it from elsewhere",
    )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
