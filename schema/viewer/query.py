"""`me`: the account the caller is logged in as."""

from __future__ import annotations

import strawberry

from app.models import User
from schema.auth.types import Viewer
from schema.context import Info


@strawberry.type
class ViewerQuery:
    @strawberry.field(description="The logged-in user; null for an integration's API key.")
    async def me(self, info: Info) -> Viewer | None:
        user_id = info.context.scope.principal.user_id
        if user_id is None:
            return None
        async with info.context.service_sessions() as session:
            user = await session.get(User, user_id)
        return None if user is None else Viewer.from_model(user)
