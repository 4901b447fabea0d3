"""Relay global ids as the API writes them (`Type:uuid` in base64): one encoding for the
GraphQL types and for documents the service writes outside GraphQL (an import's report)."""

from __future__ import annotations

import base64
import uuid


def encode_global_id(type_name: str, key: uuid.UUID) -> str:
    """The global id of the row `key` of GraphQL type `type_name`."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()
