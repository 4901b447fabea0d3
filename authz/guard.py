"""The permission check of every write: may the caller do this here?"""

from __future__ import annotations

from app.errors import refuse
from authz.scope import Scope


def require(scope: Scope, obj: str, act: str, area_code: str, *, field: str = "id") -> None:
    """Refuse unless the scope allows `act` on `obj` in `area_code`.

    Targets are loaded through the scoped session first, so one outside the caller's scope is
    already NOT_FOUND; this refuses what the caller may see but not do (FORBIDDEN).
    """
    if not scope.allows(obj, act, area_code):
        raise refuse("FORBIDDEN", field, f"you may not {act} {obj.replace('_', ' ')} here")
