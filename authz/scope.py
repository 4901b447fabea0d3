"""One caller's permissions: for each (object, action), the areas where it is allowed."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import casbin

from app.enums import Role
from authz.enforcer import role_rules
from authz.patterns import AreaPattern

Grant = tuple[str, str]  # (role, area pattern)


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account or an integration key, with its grants."""

    label: str
    role: Role | None
    area_code: str | None
    user_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    grants: tuple[Grant, ...] = ()
    # The account's username (None for an API key): what its logins are throttled by.
    username: str | None = None
    # See app.auth.identity.Identity: untrained staff read only; a one-time password must be
    # changed first.
    trained: bool = True
    must_change_password: bool = False

    @property
    def anonymous(self) -> bool:
        """No credentials were presented."""
        return self.role is None


ANONYMOUS = Principal(label="anonymous", role=None, area_code=None)


@dataclass(frozen=True)
class Scope:
    """What a principal may do where, compiled once per request.

    The semantics are Casbin's: `allows(obj, act, area)` equals
    `enforcer.enforce(subject, area, obj, act)` for the subject's grants (property-tested).
    """

    principal: Principal
    permissions: dict[tuple[str, str], tuple[AreaPattern, ...]] = field(default_factory=dict)

    def patterns(self, obj: str, act: str) -> tuple[AreaPattern, ...]:
        """The areas where `act` on `obj` is allowed (empty: nowhere)."""
        return self.permissions.get((obj, act), ())

    def allows(self, obj: str, act: str, area_code: str) -> bool:
        """Whether `act` on `obj` is allowed in `area_code`."""
        return any(p.covers(area_code) for p in self.patterns(obj, act))

    def can(self, obj: str, act: str) -> bool:
        """Whether `act` on `obj` is allowed anywhere."""
        return bool(self.patterns(obj, act))

    def reach(self) -> tuple[AreaPattern, ...]:
        """Every area the principal may touch for anything: the row-level-security bound."""
        return _simplify(p for patterns in self.permissions.values() for p in patterns)


def compile_scope(principal: Principal, enforcer: casbin.Enforcer) -> Scope:
    """The principal's permissions from its grants and the roles' rules.

    A grant (role, G) and a rule (role, P, obj, act) allow obj/act where G and P overlap:
    exactly Casbin's `g(sub, role, dom) && keyMatch(dom, P)` with keyMatch domain matching.
    """
    collected: dict[tuple[str, str], list[AreaPattern]] = defaultdict(list)
    for role, grant_domain in principal.grants:
        granted = AreaPattern.parse(grant_domain)
        for _role, rule_domain, obj, act in role_rules(enforcer, role):
            overlap = granted.intersect(AreaPattern.parse(rule_domain))
            if overlap is not None:
                collected[(obj, act)].append(overlap)
    return Scope(
        principal=principal,
        permissions={key: _simplify(patterns) for key, patterns in collected.items()},
    )


def _simplify(patterns: Iterable[AreaPattern]) -> tuple[AreaPattern, ...]:
    """Sorted, without duplicates and without patterns another pattern already covers."""
    unique = sorted(set(patterns), key=lambda p: (len(p.value), p.exact, p.value))
    kept: list[AreaPattern] = []
    for pattern in unique:
        if not any(not k.exact and pattern.value.startswith(k.value) for k in kept):
            kept.append(pattern)
    return tuple(sorted(kept))
