"""The demo's alerts: what the task rules open when the demo villages' directors save their
files, and a child of the first demo village found living alone (seed 004's first case of a
mandatory report), so the demo shows a report the service made itself and its tasks."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth.identity import user_label
from app.database import session_factory
from app.enums import ChildStatus, LivingArrangement, Role
from app.models import Case, Child, Task
from app.services.children import update_child
from app.services.common import Actor
from app.services.statistics.refresh import StatisticsSession
from app.services.tasks import apply_task_rules
from authz.enforcer import build_enforcer, default_rules
from authz.scope import Principal, compile_scope


def _director(user_id: uuid.UUID, username: str, village: str, now: datetime) -> Actor:
    """The village director as the service would know them in a request."""
    principal = Principal(
        label=user_label(username), role=Role.VILLAGE_DIRECTOR, area_code=village,
        user_id=user_id, grants=((Role.VILLAGE_DIRECTOR.value, f"{village}*"),),
    )  # fmt: skip
    return Actor(scope=compile_scope(principal, build_enforcer(default_rules())), now=now)


async def _a_child_living_alone(session: AsyncSession, actor: Actor, village: str) -> None:
    """The youngest school-age child of the village with no case on file, saved as living
    alone (the director's finding on a visit)."""
    today: date = actor.today
    child = await session.scalar(
        select(Child)
        .where(
            Child.area_code == village,
            Child.status == ChildStatus.ACTIVE,
            Child.birth_date.between(date(today.year - 12, 1, 1), date(today.year - 9, 1, 1)),
            ~select(Case.id).where(Case.child_id == Child.id).exists(),
        )
        .order_by(Child.birth_date.desc(), Child.id)
        .limit(1)
    )
    if child is not None:
        changes = {"living_arrangement": LivingArrangement.ALONE}
        await update_child(session, actor, child.id, child.version, changes)


async def raise_demo_alerts(
    engine: AsyncEngine, directors: dict[str, tuple[uuid.UUID, str]], now: datetime
) -> int:
    """Save each demo village's files as its director (`village → (user id, username)`),
    the first with a child found living alone; the number of tasks then open."""
    # A statistics session: the reports it makes count in the demo's statistics at once.
    sessions = session_factory(engine, StatisticsSession)
    async with sessions() as session, session.begin():
        for position, (village, (user_id, username)) in enumerate(sorted(directors.items())):
            actor = _director(user_id, username, village, now)
            if position == 0:
                await _a_child_living_alone(session, actor, village)
            children = await session.scalars(
                select(Child.id).where(
                    Child.area_code == village, Child.status == ChildStatus.ACTIVE
                )
            )
            await apply_task_rules(session, actor, list(children))
        return await session.scalar(select(func.count()).select_from(Task)) or 0
