"""Who a request comes from and what they may see: shared by GraphQL and the plain HTTP
endpoints (CSV import and export), so both authenticate and authorize the same way."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import State
from starlette.requests import HTTPConnection

from app import clock
from app.auth.errors import AuthError
from app.auth.identity import Identity, authenticate_credentials, credential_headers
from app.observability import context
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
    try:
        identity, auth_error = await _identify(connection, state), None
    except AuthError as error:
        identity, auth_error = None, error.code
    enforcer = await state.policies.enforcer(state.service_sessions)
    scoped = state.scopes.get(identity, enforcer, state.policies.generation, clock.today())
    record = context.current()
    if record is not None:
        role = scoped.scope.principal.role
        record.role = "anonymous" if role is None else role.value
    return Caller(identity=identity, scoped=scoped, auth_error=auth_error)


async def _identify(connection: HTTPConnection, state: State) -> Identity | None:
    """The identity of the request's credentials; raises AuthError for bad ones.

    The cache answers only for a request whose one credential is a bearer token: every other
    combination (a token with an API key too, a repeated header) goes through the checks.
    """
    settings: Settings = state.settings
    credentials = credential_headers(connection.headers.items())
    bearer = credentials.authorization
    if bearer is not None and credentials.api_key is None:
        cached: Identity | None = state.identities.get(bearer)
        if cached is not None:
            return cached
    async with state.service_sessions() as session, session.begin():
        found = await authenticate_credentials(credentials, session, settings)
    if found is None:
        return None
    if bearer is not None and found.expires_at is not None:
        state.identities.put(bearer, found.identity, found.expires_at, found.family_id)
    return found.identity
