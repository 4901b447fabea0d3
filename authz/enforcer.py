"""The Casbin enforcer: model file, default policy file, and rules kept in the database."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import casbin
from casbin.util.builtin_operators import key_match

from authz.patterns import AreaPattern

HERE = Path(__file__).resolve().parent
MODEL_PATH = HERE / "model.conf"
DEFAULT_POLICY_PATH = HERE / "policy.csv"

Rule = tuple[str, ...]  # (ptype, v0, v1, …) as stored in casbin_rule


class InvalidPolicy(ValueError):
    """A policy rule the enforcer cannot use safely."""


def default_rules() -> list[Rule]:
    """The rules of the default policy file."""
    with DEFAULT_POLICY_PATH.open(encoding="utf-8") as fh:
        return [
            tuple(cell.strip() for cell in row) for row in csv.reader(fh) if row and row[0].strip()
        ]


def validate(rule: Rule) -> Rule:
    """Check a rule's shape: `p, role, domain, object, action` or `g, user, role, domain`."""
    ptype = rule[0]
    if ptype == "p" and len(rule) == 5:
        AreaPattern.parse(rule[2])
    elif ptype == "g" and len(rule) == 4:
        AreaPattern.parse(rule[3])
    else:
        raise InvalidPolicy(f"unsupported rule: {', '.join(rule)}")
    return rule


def build_enforcer(rules: Iterable[Rule]) -> casbin.Enforcer:
    """An enforcer over the model with these rules (validated first)."""
    enforcer = casbin.Enforcer(str(MODEL_PATH))
    # Grants are area patterns: `g, user, role, 420702*` holds in every area under 420702.
    enforcer.add_named_domain_matching_func("g", key_match)
    checked = [validate(rule) for rule in rules]
    policies = [list(rule[1:]) for rule in checked if rule[0] == "p"]
    groupings = [list(rule[1:]) for rule in checked if rule[0] == "g"]
    if policies:
        enforcer.add_policies(policies)
    if groupings:
        enforcer.add_grouping_policies(groupings)
    return enforcer


def role_rules(enforcer: casbin.Enforcer, role: str) -> Sequence[Sequence[str]]:
    """The `p` rules of one role: (role, domain, object, action)."""
    rules: Sequence[Sequence[str]] = enforcer.get_filtered_policy(0, role)
    return rules


def user_grants(enforcer: casbin.Enforcer, subject: str) -> list[tuple[str, str]]:
    """The (role, domain) grants a subject holds through `g` rules."""
    return [(rule[1], rule[2]) for rule in enforcer.get_filtered_grouping_policy(0, subject)]
