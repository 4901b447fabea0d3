"""Who may be handed a case: a person whose own permissions let them work on it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.identity import user_identity
from app.domain.workflow import CASE_OBJECT, TRANSITIONS
from app.models import Case, User
from authz.enforcer import build_enforcer
from authz.policy_store import load_rules
from authz.predicates import case_visible
from authz.principal import principal_for
from authz.scope import Scope, compile_scope

# The permissions of the workflow's steps: holding one in the case's area is working on it.
WORK_PERMISSIONS = frozenset(transition.permission for transition in TRANSITIONS.values())


async def account_scope(session: AsyncSession, user: User) -> Scope:
    """What the account `user` may do where, under the policy in force (as a request of
    theirs would be scoped)."""
    identity = user_identity(user)
    enforcer = build_enforcer(await load_rules(session))
    return compile_scope(principal_for(identity, enforcer), enforcer)


async def may_work_on(session: AsyncSession, user: User, case: Case) -> bool:
    """Whether `user` may be handed `case`: an active account that would see the case (the
    same rule as the caller's, so a referred organization's staff qualify exactly when
    they see it) and may take a step of its workflow in its area."""
    if user.deleted_at is not None or not user.is_active:
        return False
    scope = await account_scope(session, user)
    if not any(scope.allows(CASE_OBJECT, act, case.area_code) for act in WORK_PERMISSIONS):
        return False
    seen = await session.scalar(select(Case.id).where(Case.id == case.id, case_visible(scope)))
    return seen is not None
