"""The permission check of every write: may the caller do this here?"""

from __future__ import annotations

from app.domain.staff import outranks
from app.domain.workflow import CaseAction, permitted_actions
from app.enums import CaseCategory, CaseStage, Role
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


def case_actions(
    scope: Scope, stage: CaseStage, category: CaseCategory, area_code: str
) -> list[CaseAction]:
    """The workflow steps the scope may take now on a case of `category` in `stage` in
    `area_code`: what `nextActions` offers. A step is refused by the same two checks (the
    permission by `require`, as `load_for_write` calls it with `required_permission`, and the
    stage and category by `workflow.apply`), so what is offered succeeds and nothing else."""
    return permitted_actions(stage, category, lambda obj, act: scope.allows(obj, act, area_code))


def require_trained(scope: Scope) -> None:
    """Refuse a write by a director or supervisor with no passed training on record (seed
    002: a new director starts work only after passing training). Reading stays open."""
    if not scope.principal.trained:
        raise refuse(
            "TRAINING_REQUIRED",
            "id",
            "no training passed on record: you may read, and may write once a passed "
            "training is recorded",
        )


def require_manager(
    scope: Scope,
    role: Role,
    area_code: str,
    *,
    role_field: str = "role",
    area_field: str = "areaCode",
) -> None:
    """Refuse unless the scope may manage people holding `role` in `area_code`: the role is
    below the caller's own, whatever the policy says, and the policy grants it there
    (`p, county_civil_affairs, *, village_director, manage`)."""
    own = scope.principal.role
    if own is None or not outranks(own, role):
        raise refuse("FORBIDDEN", role_field, "only roles below yours")
    if not scope.allows(role.value, "manage", area_code):
        raise refuse("FORBIDDEN", area_field, "you may not manage {role} here", {"role": role})
