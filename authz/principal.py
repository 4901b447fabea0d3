"""From an authenticated identity to the principal whose grants Casbin knows."""

from __future__ import annotations

import casbin

from app.auth.identity import Identity
from authz.enforcer import user_grants
from authz.scope import ANONYMOUS, Principal


def principal_for(identity: Identity | None, enforcer: casbin.Enforcer) -> Principal:
    """The principal of a request: its own role in its own area, plus any extra grants.

    The account's role and area are its primary grant (`role` in `area*`); further grants
    are `g` rules on the subject `identity.label` (e.g. `g, user:demo-admin, county_civil_affairs,
    420702*` lets an administrator read a county's statistics too).
    """
    if identity is None:
        return ANONYMOUS
    grants = (
        (identity.role.value, f"{identity.area_code}*"),
        *user_grants(enforcer, identity.label),
    )
    return Principal(
        label=identity.label,
        role=identity.role,
        area_code=identity.area_code,
        user_id=identity.user_id,
        organization_id=identity.organization_id,
        grants=tuple(dict.fromkeys(grants)),
        username=identity.username,
        trained=identity.trained,
        must_change_password=identity.must_change_password,
    )
