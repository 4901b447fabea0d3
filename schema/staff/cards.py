"""Who made a record, as a person's public card (issue 20: "who did what"): the name, role
and organization of the account that recorded a visit or registered a child's file or a
household; for a partner system's API key, only its organization.

A card never carries the account's username, phone, id or credentials: those are the staff
register's, shown to those who manage the person. Cards are read through the request's
`staff_card` loader (one statement for all the cards of a response, whatever the caller's
scope): a card is only ever a field of a record the caller can already see, and a field
whose record's rules hide it (authz/fields.py) resolves to null before any card is read.
"""

from __future__ import annotations

import uuid

import strawberry

from app.enums import Role
from schema.context import Info
from schema.core.enums import register_enums

register_enums()


@strawberry.type(
    description="Who made a record: a person's public card (name, role, organization), never "
    "their username, phone or account; for a partner system's API key, its organization only."
)
class StaffCard:
    name: str | None = strawberry.field(description="The person's name; null for an API key.")
    role: Role | None = strawberry.field(description="The person's role; null for an API key.")
    organization_name: str | None = strawberry.field(
        description="The organization the person works for (an API key's own); null when "
        "none is on file."
    )


async def staff_card(
    info: Info, user_id: uuid.UUID | None, organization_id: uuid.UUID | None = None
) -> StaffCard | None:
    """The card of who made a record: the person `user_id`, or when there is none, the
    organization `organization_id` whose API key made it; None when neither is known."""
    loaders = info.context.loaders
    if user_id is not None:
        card = await loaders.staff_card.load(user_id)
        if card is not None:
            return StaffCard(
                name=card.user.display_name,
                role=card.user.role,
                organization_name=None if card.organization is None else card.organization.name,
            )
    if organization_id is None:
        return None
    organization = await loaders.organization.load(organization_id)
    if organization is None:
        return None
    return StaffCard(name=None, role=None, organization_name=organization.name)
