"""`staff`: the register of the areas where the caller manages people."""

from __future__ import annotations

import strawberry

from app.enums import Role
from app.store import staff as staff_store
from authz.predicates import staff_visible
from schema.context import Info
from schema.core.pagination import connection, decode_keyed_cursor
from schema.staff.types import Staff, StaffConnection


@strawberry.type
class StaffQuery:
    @strawberry.field(
        description="The staff register (实名管理) of your areas, by area code then id: who "
        "holds which village. Township supervisors see their township's people, counties "
        "and above theirs; everyone else only their own entry. `areaCode`: only people "
        "serving in this area or under it; `role`; `active`: only those still in post "
        "(true) or gone (false)."
    )
    async def staff(
        self,
        info: Info,
        area_code: str | None = None,
        role: Role | None = None,
        active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> StaffConnection:
        visible = staff_visible(info.context.scope)
        return await connection(
            info, StaffConnection, first=first, after=after,
            cursor=decode_keyed_cursor,
            rows=lambda s, key, limit: staff_store.list_staff(
                s, visible, area_code=area_code, role=role, active=active, after=key, limit=limit
            ),
            count=lambda s: staff_store.count_staff(
                s, visible, area_code=area_code, role=role, active=active
            ),
            key=lambda u: f"{u.area_code}|{u.id}", node=Staff.from_model,
        )  # fmt: skip
