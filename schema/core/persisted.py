"""Persisted documents: the app sends an id, the server knows the document.

Two forms are accepted, over POST and GET: Apollo's automatic persisted queries
(`extensions.persistedQuery.sha256Hash`, with the query sent once when the server asks for it)
and trusted documents (a top-level `documentId`, `sha256:` prefix allowed). The documents of
`mobile_contract/manifest.json` are trusted; with SHOUHU_TRUSTED_DOCUMENTS_ONLY the service
runs nothing else for callers without the GraphiQL permission. Both are decided in the HTTP
layer before the document is parsed (schema/core/admission.py).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import ExecutionResult, GraphQLError

from app.i18n import translate
from app.mobile_contract import document_id, load_manifest

APQ_NOT_FOUND = "PersistedQueryNotFound"


@dataclass(frozen=True)
class Lookup:
    """How the request's document was obtained."""

    trusted: bool  # a document of the manifest
    missing: bool = False  # an id the server does not know
    mismatch: bool = False  # a query sent with an id that is not its hash


class AutomaticQueries:
    """Documents registered by Apollo APQ clients (outside trusted-only mode), per process."""

    def __init__(self, max_entries: int = 1000) -> None:
        self._max_entries = max_entries
        self._documents: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> str | None:
        """A registered document."""
        return self._documents.get(key)

    def put(self, key: str, document: str) -> None:
        """Register a document under its hash."""
        self._documents[key] = document
        if len(self._documents) > self._max_entries:
            self._documents.popitem(last=False)


def resolve(
    query: str | None,
    extensions: dict[str, Any] | None,
    top_level_id: str | None,
    registered: AutomaticQueries,
    *,
    register: bool,
) -> tuple[str | None, Lookup]:
    """The document to run and how it was found (None with a refused or unknown id)."""
    manifest = load_manifest()
    persisted = (extensions or {}).get("persistedQuery") or {}
    key = top_level_id or persisted.get("sha256Hash")
    key = key.removeprefix("sha256:") if isinstance(key, str) else None
    if key is None:
        return query, Lookup(trusted=query is not None and document_id(query) in manifest)
    if query is not None:
        if document_id(query) != key:
            return None, Lookup(trusted=False, mismatch=True)
        if register and key not in manifest:
            registered.put(key, query)
        return query, Lookup(trusted=key in manifest)
    known = manifest.get(key)
    if known is not None:
        return known, Lookup(trusted=True)
    automatic = registered.get(key)
    if automatic is not None:
        return automatic, Lookup(trusted=False)
    return None, Lookup(trusted=False, missing=True)


def refusal(
    lookup: Lookup, *, trusted_only: bool, may_use_any: bool, get: bool = False
) -> ExecutionResult | None:
    """The error to answer instead of executing, if any. Where only trusted documents run,
    a GET (whose URL proxies and access logs keep) carries only the app's persisted ones,
    even for staff who may send any document by POST."""
    if lookup.mismatch:
        return _error(
            translate("provided sha does not match query"), "PERSISTED_QUERY_HASH_MISMATCH"
        )
    if lookup.missing:
        # Apollo clients resend the full query when they see this message: protocol, not
        # prose, so it is never translated.
        return _error(APQ_NOT_FOUND, "PERSISTED_QUERY_NOT_FOUND")
    if trusted_only and not lookup.trusted and get:
        return _error(
            translate(
                "a document sent with GET must be one of the app's persisted documents: "
                "send it with POST"
            ),
            "PERSISTED_DOCUMENT_REQUIRED",
        )
    if trusted_only and not lookup.trusted and not may_use_any:
        return _error(
            translate("only the app's persisted documents are accepted here"),
            "PERSISTED_DOCUMENT_REQUIRED",
        )
    return None


def _error(message: str, code: str) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])
