"""The ASGI application: GraphQL at /graphql, the CSV export, health probes, database
lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.datastructures import Headers, State
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult

from app import clock, idcrypto
from app.auth.identity_cache import IdentityCache
from app.database import (
    app_role_url,
    async_url,
    create_engine,
    database_url,
    direct_url,
    session_factory,
)
from app.i18n import LanguageMiddleware
from app.migrate import current_revision, head_revision
from app.observability import context as request_context
from app.observability import metrics, sql, tracing
from app.observability.backlog import Backlog
from app.replica import Replica
from app.request_database import RequestDatabase
from app.services.audit import AuditTrail
from app.services.daily import daily_job_running
from app.services.statistics.refresh import StatisticsSession
from app.services.webhooks.delivery import run_worker
from app.settings import Settings, get_settings
from app.web.caching import PUBLIC, NoStoreMiddleware, is_public_document
from app.web.caller import resolve_caller
from app.web.exports import (
    staff_work_csv_response,
    staff_work_xlsx_response,
    statistics_csv_response,
    statistics_xlsx_response,
)
from app.web.graphiql.assets import graphiql_asset
from app.web.graphiql.page import graphiql_page
from app.web.graphql_request import (
    RequestError,
    body_limit,
    from_json_body,
    from_query_params,
    read_body,
    replay,
)
from app.web.imports import children_import
from app.web.integrations.routes import absences_csv
from app.web.invalidation import Invalidation, invalidations_heard
from app.web.ledgers import children_xlsx, visits_xlsx
from app.web.media_types import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    is_request_error,
    negotiate,
    request_error_status,
)
from app.web.observability import ObservabilityMiddleware, metrics_endpoint
from app.web.ratelimit import RateLimitMiddleware
from authz.policy_store import PolicyStore
from authz.request_scope import ScopeCache
from authz.session import ScopedSession
from schema import schema
from schema.compiler.documents import compiled_document
from schema.context import Context
from schema.core.admission import admit
from schema.core.error_log import log_errors
from schema.core.errors import localized_message
from schema.core.persisted import AutomaticQueries
from schema.core.tracing import trace_root_fields
from schema.loaders import Loaders

log = logging.getLogger(__name__)


class ShouhuGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with our per-request context (who calls, and what they may see)
    and the checks that make refusing cheap: the body's size and shape before anything else
    (app/web/graphql_request.py), then admission before parsing (schema/core/admission.py)."""

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.automatic_queries = AutomaticQueries()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every HTTP answer of /graphql, refusals included, is JSON."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        response: Response
        media_type = negotiate(Headers(scope=scope).get("accept"))
        state = State()
        try:
            limit = body_limit(scope, self.settings.max_body_bytes)
            body = await read_body(scope, receive, limit)
            request = Request(scope, receive=replay(body, receive))
            request.state.media_type = media_type
            state = request.state
            response = await self.run(request)
        except RequestError as error:
            response = _refused(error).response()
        except HTTPException as error:  # strawberry's own refusals (e.g. no GraphiQL here)
            response = _refused(_http_error(error)).response()
        _settle(response, state, media_type)
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """GraphiQL for a browser's plain GET, not for a persisted document fetched by GET."""
        params = request.query_params
        persisted = "extensions" in params or "documentId" in params
        return not persisted and super().should_render_graphql_ide(request)

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page (app/web/graphiql): its files served by the service, not a CDN,
        and a login pane."""
        return graphiql_page(request.url.path)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> RequestData:
        """The request's fields, each of the type the protocol says (RequestError if not)."""
        if request.method == "GET":
            payload = from_query_params(request.query_params)
        else:
            content_type, _ = parse_content_type(request.content_type or "")
            if "application/json" not in content_type:
                raise RequestError(
                    415, "UNSUPPORTED_MEDIA_TYPE", "send the request as application/json"
                )
            payload = from_json_body(await request.get_body())
        return RequestData(
            query=payload.query,
            variables=payload.variables,
            operation_name=payload.operation_name,
            extensions=payload.extensions,
            document_id=payload.document_id,
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Admit the request (no parsing for what is refused), then run it, in the span of its
        operation when tracing; the request's record notes its operation and outcome."""
        document_id = request_data.document_id if isinstance(request_data, RequestData) else None
        admission = admit(
            request_data.query,
            request_data.extensions,
            document_id,
            scope=context.scope,
            settings=self.settings,
            auth_error=context.auth_error,
            registered=self.automatic_queries,
            get=request.method == "GET",
        )
        # A persisted document sent by its id is labelled by its text's operation.
        document = request_data.query if admission.refused is not None else admission.query
        label = metrics.operation_label(request_data.operation_name, document)
        record = request_context.current()
        if record is not None:
            record.operation = label
        with tracing.span(label, {"graphql.operation.name": label}):
            if admission.refused is not None:
                refusals = admission.refused.errors or []
                log_errors(request_data.operation_name, refusals)
                result = ExecutionResult(data=None, errors=refusals)
            else:
                admitted = replace(request_data, query=admission.query)
                result = await self._execute(
                    request, request_adapter, sub_response, context, root_value, admitted
                )
        if record is not None:
            errors = result.errors
            code = (errors[0].extensions or {}).get("code") if errors else None
            record.outcome = "ok" if not errors else metrics.outcome_label(code)
        return result

    async def _execute(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        admitted: GraphQLRequestData,
    ) -> ExecutionResult:
        """An admitted request's answer: the compiled read path's, else strawberry's."""
        request.state.public = request.method == "GET" and is_public_document(admitted.query or "")
        compiled = await self._compiled(context, admitted)
        if compiled is not None:
            return compiled
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, admitted
            )
        except HTTPException as error:
            raise _http_error(error) from error

    async def _compiled(
        self, context: Context, request: GraphQLRequestData
    ) -> ExecutionResult | None:
        """The answer of the compiled read path (schema/compiler), or None where strawberry
        answers."""
        if not self.settings.compiled_reads or request.query is None:
            return None
        document = compiled_document(request.query, request.operation_name)
        if document is None:
            return None
        try:
            with tracing.span("compiled read", {"graphql.field.name": document.root.name.value}):
                return await document.run(context, request.variables, request.query)
        finally:
            await context.db.close()

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response, with the service's document limits said in the request's language."""
        response = await super().process_result(request, result)
        errors = response.get("errors")
        if errors:
            response["errors"] = [_localized(error) for error in errors]
        if result.errors and is_request_error(result.data, result.errors):
            request.state.request_error = request_error_status(result.errors)
            if request.state.media_type == GRAPHQL_RESPONSE_JSON:
                # Nothing was executed: the answer has no data entry at all.
                del response["data"]
        elif result.errors:
            request.state.public = False
        return response

    def encode_json(self, data: object) -> bytes:
        """orjson: several times faster than the standard encoder on large pages."""
        return orjson.dumps(data)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        caller = await resolve_caller(request)
        db = RequestDatabase(caller.scoped.sessions, caller.scoped.report_sessions)
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            scope=caller.scoped.scope,
            db=db,
            service_sessions=request.app.state.service_sessions,
            loaders=Loaders.create(db),
            audit=AuditTrail(),
            settings=request.app.state.settings,
            auth_error=caller.auth_error,
        )


@dataclass
class RequestData(GraphQLRequestData):
    """A request's fields with the top-level persisted id (`documentId`), if one was sent."""

    document_id: str | None = None


def _http_error(error: HTTPException) -> RequestError:
    """Strawberry's refusal as a typed error (it says why in English only)."""
    cause = error.__cause__
    if isinstance(cause, MissingQueryError):
        return RequestError(400, "BAD_REQUEST", "send a query or the persisted id of one")
    if isinstance(cause, CannotGetOperationTypeError):
        if cause.operation_name is None:
            return RequestError(400, "BAD_REQUEST", "the document has no operation")
        return RequestError(
            400, "BAD_REQUEST", "the document has no operation named {name}",
            {"name": cause.operation_name},
        )  # fmt: skip
    if isinstance(cause, InvalidOperationTypeError):
        return RequestError(
            405, "METHOD_NOT_ALLOWED", "a {operation} cannot be sent with GET: use POST",
            {"operation": cause.operation_type.value},
        )  # fmt: skip
    if error.status_code == 404:
        return RequestError(404, "NOT_FOUND", "GraphiQL is served in development only")
    return RequestError(error.status_code, "BAD_REQUEST", "not a GraphQL request")


def _settle(response: Response, state: State, media_type: str) -> None:
    """The answer's media type, status and caching, from what the request showed: in
    `application/graphql-response+json`, a request error is a 4xx; an answer of public data
    only to a GET may be cached, every other keeps NoStoreMiddleware's `private, no-store`."""
    if media_type == GRAPHQL_RESPONSE_JSON and response.media_type == JSON:
        response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
        response.status_code = getattr(state, "request_error", response.status_code)
        if response.status_code == 401:
            response.headers["www-authenticate"] = "Bearer"
    if response.status_code == 200 and getattr(state, "public", False):
        response.headers["cache-control"] = PUBLIC
        response.headers["vary"] = "Accept"


def _refused(error: RequestError) -> RequestError:
    """`error`, its code noted as the request's outcome (the metrics)."""
    record = request_context.current()
    if record is not None:
        record.outcome = error.code
    return error


def _localized(error: object) -> object:
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return {**error, "message": localized_message(error["message"])}
    return error


async def statistics_csv(request: Request) -> Response:
    """GET /exports/statistics.csv?area=…&asOf=…: areaStatistics for a spreadsheet."""
    caller = await resolve_caller(request)
    return await statistics_csv_response(request.query_params, caller.scoped, caller.auth_error)


async def statistics_xlsx(request: Request) -> Response:
    """GET /exports/statistics.xlsx?area=…&asOf=…: the same report as the CSV, as xlsx."""
    caller = await resolve_caller(request)
    return await statistics_xlsx_response(request.query_params, caller.scoped, caller.auth_error)


async def staff_work_csv(request: Request) -> Response:
    """GET /exports/staff-work.csv?area=…&quarter=…: staffWork for a spreadsheet."""
    caller = await resolve_caller(request)
    return await staff_work_csv_response(request.query_params, caller.scoped, caller.auth_error)


async def staff_work_xlsx(request: Request) -> Response:
    """GET /exports/staff-work.xlsx?area=…&quarter=…: the same report as the CSV, as xlsx."""
    caller = await resolve_caller(request)
    return await staff_work_xlsx_response(request.query_params, caller.scoped, caller.auth_error)


async def healthz(request: Request) -> JSONResponse:
    """Alive: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready: the database answers and its schema is at the newest migration."""
    engine: AsyncEngine = request.app.state.engine
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        revision = await current_revision(engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        log.warning("readiness check failed", extra={"error": str(exc)})
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    head = head_revision()
    if revision != head:
        return JSONResponse({"status": "unavailable", "revision": revision, "head": head}, 503)
    return JSONResponse({"status": "ok", "revision": revision})


class RequestSession(ScopedSession, StatisticsSession):
    """A request's sessions: scoped to its caller, and their commits refresh the statistics."""


def create_app(settings: Settings | None = None) -> Starlette:
    """The service. Without DATABASE_URL it runs on the embedded PostgreSQL under data_dir.

    It connects as the application role (not the owner of the tables), so PostgreSQL's
    row-level security applies to everything it reads and writes.
    """
    settings = settings or get_settings()
    clock.configure(settings.timezone, settings.now)
    tracing.configure_from_environment()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        with database_url(settings) as url:
            engine = create_engine(
                app_role_url(url, settings),
                pool_size=settings.db_pool_size,
                transaction_pooler=settings.transaction_pooler,
            )
            sql.instrument(engine, "primary")
            # As the tables' owner: the backlog counts every area's queue.
            backlog_engine = create_engine(
                url, pool_size=1, transaction_pooler=settings.transaction_pooler
            )
            app.state.settings = settings
            app.state.engine = engine
            app.state.backlog = Backlog(backlog_engine)
            app.state.service_sessions = session_factory(engine, StatisticsSession)
            app.state.policies = PolicyStore(settings.policy_refresh_seconds)
            app.state.identities = IdentityCache(settings.identity_cache_seconds)
            replica = _replica(settings)
            app.state.replica = replica
            app.state.scopes = ScopeCache(
                engine,
                settings.statement_timeout_seconds,
                session_class=RequestSession,
                replica=replica,
            )
            app.state.invalidation = Invalidation(app.state.policies, app.state.identities)
            # The process's ID number keys are this service's while it runs.
            previous_keys = idcrypto.install(settings.id_number_key_ring)
            try:
                direct = direct_url(url, settings)
                async with (
                    invalidations_heard(app_role_url(direct, settings), app.state.invalidation),
                    webhook_worker(url, settings),
                    daily_job_running(direct, settings),
                ):
                    yield
            finally:
                idcrypto.install(previous_keys)
                await engine.dispose()
                await backlog_engine.dispose()
                sql.released(engine, "primary")
                metrics.process_ended(os.getpid())
                if replica is not None:
                    await replica.dispose()
                    sql.released(replica.engine, "replica")

    graphql = ShouhuGraphQL(
        schema, graphql_ide="graphiql" if settings.graphiql else None, settings=settings
    )
    if tracing.enabled():
        trace_root_fields(schema)
    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/graphiql/static/{digest}/{name:path}", graphiql_asset),
        Route("/integrations/absences.csv", absences_csv, methods=["POST"]),
        Route("/exports/statistics.csv", statistics_csv),
        Route("/exports/statistics.xlsx", statistics_xlsx),
        Route("/exports/staff-work.csv", staff_work_csv),
        Route("/exports/staff-work.xlsx", staff_work_xlsx),
        Route("/exports/children.xlsx", children_xlsx),
        Route("/exports/visits.xlsx", visits_xlsx),
        Route("/imports/children", children_import, methods=["POST"]),
    ]
    # The metrics label a request by its route, GraphQL's by its operation instead.
    labelled = frozenset(r.path for r in routes if r.path != "/graphql" and "{" not in r.path)
    return Starlette(
        # Large pages compress well; phones in the countryside are on 2G/3G.
        middleware=[
            # First of all: the request's id and metrics cover every answer, refusals included.
            Middleware(
                ObservabilityMiddleware,
                trust_request_id=settings.trust_request_id,
                routes=labelled,
            ),
            *_tracing_middleware(),
            # Next: every answer, a 429 included, speaks the request's language.
            Middleware(LanguageMiddleware),
            # Every answer, an error included, is private unless it says otherwise.
            Middleware(NoStoreMiddleware),
            # Next: a key over its rate costs no authentication or database work.
            Middleware(
                RateLimitMiddleware,
                per_minute=settings.rate_limit_per_minute,
                burst=settings.rate_limit_burst,
            ),
            # Level 6 (zlib's default): within 2 % of 9's size on a caseload page, in half the time.
            Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6),
        ],
        routes=routes,
        lifespan=lifespan,
    )


def _replica(settings: Settings) -> Replica | None:
    """The replica for reports (SHOUHU_REPLICA_URL), its statements instrumented as the
    primary's; None without one."""
    if not settings.replica_url:
        return None
    url = async_url(settings.replica_url)
    replica = Replica(
        create_engine(
            app_role_url(url, settings),
            pool_size=settings.db_pool_size,
            transaction_pooler=settings.transaction_pooler,
        ),
        create_engine(url, pool_size=1),
        settings.replica_max_lag_seconds,
    )
    sql.instrument(replica.engine, "replica")
    return replica


def _tracing_middleware() -> list[Middleware]:
    """The request's server span (W3C trace context from the caller, the route's name), when
    tracing; its per-message spans (receive, send) are left out."""
    provider = tracing.provider()
    if provider is None:
        return []
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return [
        Middleware(
            OpenTelemetryMiddleware, tracer_provider=provider, exclude_spans=["receive", "send"]
        )
    ]


@contextlib.asynccontextmanager
async def webhook_worker(url: str, settings: Settings) -> AsyncIterator[None]:
    """The webhook delivery worker as a task of this process while it serves (unless
    SHOUHU_WEBHOOK_WORKER=false), on its own engine as the tables' owner (`url`), which
    reads every county's events; stopped, its round finished, when the service stops."""
    if not settings.webhook_worker:
        yield
        return
    engine = create_engine(url, pool_size=2, transaction_pooler=settings.transaction_pooler)
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(engine, settings, stop), name="webhook-worker")
    try:
        yield
    finally:
        stop.set()
        await task
        await engine.dispose()


def serving_app() -> Starlette:
    """The service as `shouhu serve` runs it (uvicorn's factory, once per worker process):
    what importing and building it made is moved out of the garbage collector's reach
    (`gc.freeze`), so that a full collection while serving walks only what requests made, not
    the schema, the mappers and the modules: those pauses were the p99 under load."""
    app = create_app()
    gc.collect()
    gc.freeze()
    return app
