"""The domain's enums, registered with strawberry once so types can use them directly."""

from __future__ import annotations

from functools import cache

import strawberry

from app.enums import AreaLevel, CaseCategory, CaseStage, Role


@cache
def register_enums() -> None:
    """Make the enums GraphQL enums (strawberry marks the classes themselves)."""
    strawberry.enum(AreaLevel, description="行政区划级别")
    strawberry.enum(CaseCategory, description="个案类别")
    strawberry.enum(CaseStage, description="个案阶段")
    strawberry.enum(Role, description="角色: what an account or API key acts as")
