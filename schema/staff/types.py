"""GraphQL types of the staff register: a person as their managers see them (never a
credential), their trainings and the extra roles granted to them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import strawberry
from strawberry import relay

from app.auth.identity import user_label
from app.domain.staff import needs_training, refresher_due
from app.enums import Role, TrainingResult
from app.models import StaffTraining as TrainingModel
from app.models import User
from app.store import staff as staff_store
from authz.predicates import staff_visible
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row, read_nodes
from schema.core.pagination import CountedConnection

register_enums()


@strawberry.type(description="One training a person took (seed 002: yearly at least).")
class StaffTraining:
    trained_on: date
    course: str
    result: TrainingResult

    @classmethod
    def from_model(cls, row: TrainingModel) -> StaffTraining:
        """The GraphQL view of a training row."""
        return from_row(cls, row)


@strawberry.type(description="A role granted to a person beyond their own, in an area.")
class RoleGrant:
    role: Role
    area_code: str = strawberry.field(description="The area (and every area under it).")


@strawberry.type(
    description="A person of the staff register (实名管理): who holds which post where, "
    "since when, trained when. Shown to those who manage the area's staff (supervisors, "
    "counties and above) and to the person; never a password or a token."
)
class Staff(relay.Node):
    id: relay.NodeID[str]
    username: str = strawberry.field(description="What the person logs in with.")
    display_name: str = strawberry.field(description="The person's real name (实名).")
    role: Role
    area_code: str = strawberry.field(description="Where the person serves.")
    organization_id: strawberry.ID | None = strawberry.field(
        description="The UUID of the body the person works for, if any."
    )
    phone: str | None
    appointed_on: date | None
    left_on: date | None = strawberry.field(description="Set when the person left the post.")
    active: bool = strawberry.field(description="False once the person left: no login works.")
    must_change_password: bool = strawberry.field(
        description="True until the person replaced the one-time password of a reset."
    )
    trained_on: date | None = strawberry.field(description="The latest passed training.")
    version: int

    @strawberry.field(description="False while no passed training is on record: the person "
                      "may read, not write (seed 002).")  # fmt: skip
    def may_write(self) -> bool:
        return not needs_training(self.role, self.trained_on)

    @strawberry.field(description="When the yearly refresher falls due; null when none is "
                      "(a role without one, or never trained: training is due now).")  # fmt: skip
    def refresher_due_on(self) -> date | None:
        return refresher_due(self.role, self.trained_on)

    @strawberry.field(description="The person's trainings, latest first (the latest 50).")
    async def trainings(self, info: Info) -> list[StaffTraining]:
        rows = await info.context.loaders.staff_trainings.load(uuid.UUID(self.id))
        return [StaffTraining.from_model(row) for row in rows]

    @strawberry.field(description="Roles granted beyond the person's own (grantRole).")
    async def grants(self, info: Info) -> list[RoleGrant]:
        found = await info.context.loaders.staff_grants.load(user_label(self.username))
        return [
            RoleGrant(role=Role.of(role), area_code=domain.removesuffix("*"))
            for role, domain in found
        ]

    @classmethod
    def from_model(cls, row: User) -> Staff:
        """The GraphQL view of a person of the register."""
        return from_row(
            cls,
            row,
            active=row.is_active,
            organization_id=None
            if row.organization_id is None
            else strawberry.ID(str(row.organization_id)),
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """People by id, those the caller may read only."""
        visible = staff_visible(info.context.scope)
        return await read_nodes(
            info, node_ids, lambda s, ids: staff_store.staff_by_id(s, visible, ids), cls.from_model
        )


@strawberry.type
class StaffConnection(CountedConnection[Staff]):
    pass
