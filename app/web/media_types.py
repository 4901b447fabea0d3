"""The media type a GraphQL answer is sent as, and its status (GraphQL over HTTP).

Clients that accept `application/graphql-response+json` (Apollo Kotlin and iOS, urql, Relay
send it first) get it, and with it HTTP statuses that say whether the request ran at all: a
request error (a document that does not parse or validate, variables that do not coerce,
a refusal before execution) is a 4xx without a `data` entry. Older clients, `*/*` and no
`Accept` at all keep `application/json`, where every GraphQL answer is a 200.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql import GraphQLError

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_OFFERED = (GRAPHQL_RESPONSE_JSON, JSON)
# A request refused for its credentials (missing, expired, revoked): 401, so that a client
# knows to refresh its token or sign in again rather than to fix its document.
_CREDENTIAL_CODES = frozenset(
    {"UNAUTHENTICATED", "TOKEN_EXPIRED", "TOKEN_INVALID", "API_KEY_INVALID", "ACCOUNT_INACTIVE"}
)


def negotiate(accept: str | None) -> str:
    """The media type to answer with: of the two offered and named in `accept`, the one with
    the highest weight, the first named on a tie; `application/json` when neither is named
    (no header, `*/*`, `application/*`, or only types the service does not offer)."""
    best: tuple[float, int] | None = None
    chosen = JSON
    for position, part in enumerate((accept or "").split(",")):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        if media.lower() not in _OFFERED:
            continue
        weight = _weight(parameters)
        if weight > 0 and (best is None or weight > best[0]):
            best, chosen = (weight, position), media.lower()
    return chosen


def _weight(parameters: Sequence[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def is_request_error(data: object, errors: Sequence[GraphQLError] | None) -> bool:
    """Whether an answer reports a request error: nothing was executed (no data) and no
    error belongs to a field (field errors carry a path)."""
    return data is None and bool(errors) and all(error.path is None for error in errors or ())


def request_error_status(errors: Sequence[GraphQLError]) -> int:
    """The HTTP status of a request error: 401 for refused credentials, 400 otherwise."""
    codes = {(error.extensions or {}).get("code") for error in errors}
    return 401 if codes and codes <= _CREDENTIAL_CODES else 400
