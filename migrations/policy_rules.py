"""Default policy rules a migration grants or takes back.

A migration adds its rules to a rule table already filled (an empty one is filled from
authz/policy.csv at start-up, rules included) and removes them on downgrade. The helper is
the migrations' own, not authz's, so that what a revision does never changes with later code.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op

Rule = tuple[str, str, str]
"""A role's grant in every area: (role, object, action)."""


def add_policy_rules(rules: Iterable[Rule]) -> None:
    """Grant the rules, unless the rule table is empty (start-up fills it whole)."""
    for role, obj, act in rules:
        op.execute(
            sa.text(
                "INSERT INTO casbin_rule (ptype, v0, v1, v2, v3) "
                "SELECT 'p', :role, '*', :obj, :act "
                "WHERE EXISTS (SELECT FROM casbin_rule) ON CONFLICT DO NOTHING"
            ).bindparams(role=role, obj=obj, act=act)
        )


def remove_policy_rules(rules: Iterable[Rule]) -> None:
    """Take the rules back."""
    for role, obj, act in rules:
        op.execute(
            sa.text(
                "DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = :role AND v1 = '*' "
                "AND v2 = :obj AND v3 = :act"
            ).bindparams(role=role, obj=obj, act=act)
        )
