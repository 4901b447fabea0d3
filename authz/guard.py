"""The permission check of every write: may the caller do this here?"""

from __future__ import annotations

from app.errors import refuse
from app.i18n import Term
from authz.scope import Scope


def require(scope: Scope, obj: str, act: str, area_code: str, *, field: str = "id") -> None:
    """Refuse unless the scope allows `act` on `obj` in `area_code`.

    Targets are loaded through the scoped session first, so one outside the caller's scope is
    already NOT_FOUND; this refuses what the caller may see but not do (FORBIDDEN).
    """
    if not scope.allows(obj, act, area_code):
        # The policy's words, through the catalogue's TERMS: "you may not respond case here".
        raise refuse(
            "FORBIDDEN",
            field,
            "you may not {act} {object} here",
            {"act": Term(act), "object": Term(obj.replace("_", " "))},
        )
