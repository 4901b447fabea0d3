"""Who a request comes from and what they may see: shared by GraphQL and the plain HTTP
endpoints (CSV import and export), so both authenticate and authorize the same way."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from app import clock
from app.auth.errors import AuthError
from app.auth.identity import Identity, authenticate
from app.settings import Settings
from authz.request_scope import RequestScope


@dataclass(frozen=True)
class Caller:
    """A request's identity (None: no credentials), its compiled scope, and the code of a
    credential that was presented and refused, if one was."""

    identity: Identity | None
    scoped: RequestScope
    auth_error: str | None


async def resolve_caller(connection: HTTPConnection) -> Caller:
    """Authenticate the request's headers and compile the caller's scope (both cached)."""
    state = connection.app.state
    settings: Settings = state.settings
    bearer = connection.headers.get("authorization")
    identity: Identity | None = state.identities.get(bearer) if bearer else None
    auth_error = None
    if identity is None:
        async with state.service_sessions() as session, session.begin():
            try:
                identity = await authenticate(connection.headers, session, settings)
            except AuthError as error:
                auth_error = error.code
        if bearer and identity is not None and identity.kind == "user":
            state.identities.put(bearer, identity)
    enforcer = await state.policies.enforcer(state.service_sessions)
    scoped = state.scopes.get(identity, enforcer, state.policies.generation, clock.today())
    return Caller(identity=identity, scoped=scoped, auth_error=auth_error)
