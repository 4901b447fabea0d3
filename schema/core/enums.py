"""The domain's enums, registered with strawberry once so types can use them directly."""

from __future__ import annotations

from functools import cache

import strawberry

from app.enums import AreaLevel


@cache
def register_enums() -> None:
    """Make the enums GraphQL enums (strawberry marks the classes themselves)."""
    strawberry.enum(AreaLevel, description="行政区划级别")
