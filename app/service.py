"""The ASGI application: GraphQL at /graphql, the CSV export, health probes, database
lifecycle."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult

from app import clock, idcrypto
from app.audit import AuditTrail
from app.auth.identity_cache import IdentityCache
from app.caller import resolve_caller
from app.database import app_role_url, create_engine, database_url, session_factory
from app.exports import statistics_csv_response
from app.i18n import LanguageMiddleware
from app.integrations.routes import absences_csv
from app.migrate import current_revision, head_revision
from app.ratelimit import RateLimitMiddleware
from app.settings import Settings, get_settings
from authz.policy_store import PolicyStore
from authz.request_scope import ScopeCache
from schema import schema
from schema.context import Context
from schema.core.database import RequestDatabase
from schema.core.errors import localized_message
from schema.core.persisted import MARKER, AutomaticQueries, resolve
from schema.loaders import Loaders

log = logging.getLogger(__name__)


class ShouhuGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with our per-request context: who calls, and what they may see."""

    def __init__(self, *args: Any, trusted_documents_only: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trusted_documents_only = trusted_documents_only
        self.automatic_queries = AutomaticQueries()

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """GraphiQL for a browser's plain GET, not for a persisted document fetched by GET."""
        params = request.query_params
        persisted = "extensions" in params or "documentId" in params
        return not persisted and super().should_render_graphql_ide(request)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Resolve persisted documents (APQ hash or trusted `documentId`) before execution."""
        data = await super().parse_http_body(request)
        if isinstance(data, list):
            return data
        if request.method == "GET":
            top_level_id = request.query_params.get("documentId")
        else:
            body = self.parse_json(await request.get_body())
            top_level_id = body.get("documentId") if isinstance(body, dict) else None
        query, lookup = resolve(
            data.query,
            data.extensions,
            top_level_id if isinstance(top_level_id, str) else None,
            self.automatic_queries,
            register=not self.trusted_documents_only,
        )
        return GraphQLRequestData(
            query=query,
            variables=data.variables,
            operation_name=data.operation_name,
            extensions={**(data.extensions or {}), MARKER: lookup},
            protocol=data.protocol,
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response, with the service's document limits said in the request's language."""
        response = await super().process_result(request, result)
        errors = response.get("errors")
        if errors:
            response["errors"] = [_localized(error) for error in errors]
        return response

    def encode_json(self, data: object) -> bytes:
        """orjson: several times faster than the standard encoder on large pages."""
        return orjson.dumps(data)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        caller = await resolve_caller(request)
        db = RequestDatabase(caller.scoped.sessions)
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


def _localized(error: object) -> object:
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return {**error, "message": localized_message(error["message"])}
    return error


async def statistics_csv(request: Request) -> Response:
    """GET /exports/statistics.csv?area=…&asOf=…: areaStatistics for a spreadsheet."""
    caller = await resolve_caller(request)
    return await statistics_csv_response(request.query_params, caller.scoped, caller.auth_error)


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


def create_app(settings: Settings | None = None) -> Starlette:
    """The service. Without DATABASE_URL it runs on the embedded PostgreSQL under data_dir.

    It connects as the application role (not the owner of the tables), so PostgreSQL's
    row-level security applies to everything it reads and writes.
    """
    settings = settings or get_settings()
    clock.configure(settings.timezone, settings.now)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        with database_url(settings) as url:
            engine = create_engine(app_role_url(url, settings), pool_size=settings.db_pool_size)
            app.state.settings = settings
            app.state.engine = engine
            app.state.service_sessions = session_factory(engine)
            app.state.policies = PolicyStore(settings.policy_refresh_seconds)
            app.state.identities = IdentityCache(settings.identity_cache_seconds)
            app.state.scopes = ScopeCache(engine)
            # The process's ID number keys are this service's while it runs.
            previous_keys = idcrypto.install(settings.id_number_key_ring)
            try:
                yield
            finally:
                idcrypto.install(previous_keys)
                await engine.dispose()

    graphql = ShouhuGraphQL(
        schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        trusted_documents_only=settings.trusted_documents_only,
    )
    return Starlette(
        # Large pages compress well; phones in the countryside are on 2G/3G.
        middleware=[
            # Outermost: every answer, a 429 included, speaks the request's language.
            Middleware(LanguageMiddleware),
            # Next: a key over its rate costs no authentication or database work.
            Middleware(
                RateLimitMiddleware,
                per_minute=settings.rate_limit_per_minute,
                burst=settings.rate_limit_burst,
            ),
            Middleware(GZipMiddleware, minimum_size=1024),
        ],
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/integrations/absences.csv", absences_csv, methods=["POST"]),
            Route("/exports/statistics.csv", statistics_csv),
        ],
        lifespan=lifespan,
    )
