"""Policies in the database, loaded into an enforcer and reloaded when they change.

The default policy file seeds an empty table; after that the table is the truth, so a policy
change needs no deploy: every process reloads on the database's notice of the change
(app/web/invalidation.py), and within `refresh_seconds` should a notice be missed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import casbin
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models.policy import CasbinRule
from authz.enforcer import Rule, build_enforcer, default_rules, validate


async def install_default_policy(session: AsyncSession) -> int:
    """Write the default policy file into an empty rule table; returns the rules written."""
    if await session.scalar(select(func.count()).select_from(CasbinRule)):
        return 0
    rules = default_rules()
    await session.execute(insert(CasbinRule), [_row(rule) for rule in rules])
    return len(rules)


async def load_rules(session: AsyncSession) -> list[Rule]:
    """Every rule in the table, or the default file's while the table is empty."""
    rows = (await session.scalars(select(CasbinRule).order_by(CasbinRule.id))).all()
    return [row.as_rule() for row in rows] if rows else default_rules()


async def add_rule(session: AsyncSession, rule: Rule) -> bool:
    """Add a rule (validated); False if it was already there. The table then holds the
    whole policy, so an empty table is filled with the default file first."""
    await install_default_policy(session)
    row = _row(rule)
    exists = await session.scalar(select(CasbinRule.id).filter_by(**row))
    if exists is not None:
        return False
    await session.execute(insert(CasbinRule), [row])
    return True


async def remove_rule(session: AsyncSession, rule: Rule) -> bool:
    """Remove a rule; False if there was no such rule."""
    await install_default_policy(session)
    result = await session.execute(delete(CasbinRule).filter_by(**_row(rule)))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _row(rule: Rule) -> dict[str, str | None]:
    validate(rule)
    values: Sequence[str | None] = (*rule[1:], None)
    return {"ptype": rule[0], "v0": values[0], "v1": values[1], "v2": values[2], "v3": values[3]}


class PolicyStore:
    """A process's enforcer, rebuilt from the database at most every `refresh_seconds`."""

    def __init__(self, refresh_seconds: float) -> None:
        self._refresh_seconds = refresh_seconds
        self._enforcer: casbin.Enforcer | None = None
        self._loaded_at = 0.0
        # Bumped on every reload: what was compiled from an older enforcer is stale.
        self.generation = 0

    async def enforcer(self, sessions: async_sessionmaker[AsyncSession]) -> casbin.Enforcer:
        """The current enforcer, reloading the rules when they may have changed."""
        now = time.monotonic()
        if self._enforcer is None or now - self._loaded_at > self._refresh_seconds:
            async with sessions() as session:
                rules = await load_rules(session)
            self._enforcer = build_enforcer(rules)
            self._loaded_at = now
            self.generation += 1
        return self._enforcer

    def invalidate(self) -> None:
        """Reload on the next request (after this process changed a policy)."""
        self._enforcer = None

    def expire(self) -> None:
        """Reload the rules at the next request (they changed)."""
        self._enforcer = None
