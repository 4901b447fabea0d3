"""Per-request DataLoaders: one query per batch of keys, whatever the shape of the request."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from app.models import (
    Area,
    Case,
    CaseEvent,
    CaseReferral,
    Child,
    ChildMove,
    Guardianship,
    Household,
    Organization,
    Parent,
    StaffTraining,
    User,
    Visit,
)
from app.request_database import RequestDatabase
from app.store import children as child_store
from app.store import guardianships as guardian_store
from app.store import households as household_store
from app.store import organizations as organization_store
from app.store import staff as staff_store
from app.store import visits as visit_store
from app.store.areas import areas_by_code
from app.store.cases import (
    EventPage,
    case_event_counts,
    case_event_pages,
    cases_by_id,
    open_cases_by_child,
    referrals_by_case,
    users_by_id,
)
from app.store.common import live_by_id
from app.store.staff import StaffCardRow, staff_cards_by_id

K = TypeVar("K")
V = TypeVar("V")


def _batched(
    db: RequestDatabase, fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[list[V]]]
) -> DataLoader[K, V]:
    async def load(keys: list[K]) -> list[V]:
        return await db.read(lambda session: fetch(session, keys))

    return DataLoader(load_fn=load)


def _households(
    db: RequestDatabase, parents: DataLoader[uuid.UUID, list[Parent]]
) -> DataLoader[uuid.UUID, Household | None]:
    # Households come with their parents in one statement; the parents loader is primed so
    # `household { parents }` costs nothing more.
    async def load(keys: list[uuid.UUID]) -> list[Household | None]:
        pairs = await db.read(lambda s: household_store.households_with_parents(s, keys))
        for key, (household, household_parents) in zip(keys, pairs, strict=True):
            if household is not None:
                parents.prime(key, household_parents)
        return [household for household, _parents in pairs]

    return DataLoader(load_fn=load)


def _staff_cards(
    db: RequestDatabase,
    users: DataLoader[uuid.UUID, User | None],
    organizations: DataLoader[uuid.UUID, Organization | None],
) -> DataLoader[uuid.UUID, StaffCardRow | None]:
    # Who made each record of a response, with their organizations, in one statement; the
    # user and organization loaders are primed, so the cases' people cost nothing more.
    async def load(keys: list[uuid.UUID]) -> list[StaffCardRow | None]:
        cards = await db.read(lambda s: staff_cards_by_id(s, keys))
        for card in cards:
            if card is not None:
                users.prime(card.user.id, card.user)
                if card.organization is not None:
                    organizations.prime(card.organization.id, card.organization)
        return cards

    return DataLoader(load_fn=load)


@dataclass(frozen=True)
class Loaders:
    """The loaders of one request, reading through the caller's scoped session."""

    area: DataLoader[str, Area | None]
    child: DataLoader[uuid.UUID, Child | None]
    household: DataLoader[uuid.UUID, Household | None]
    household_children: DataLoader[uuid.UUID, list[Child]]
    household_parents: DataLoader[uuid.UUID, list[Parent]]
    active_guardian: DataLoader[uuid.UUID, Guardianship | None]
    guardianships: DataLoader[uuid.UUID, list[Guardianship]]
    last_visit: DataLoader[uuid.UUID, Visit | None]
    parent: DataLoader[uuid.UUID, Parent | None]
    guardianship: DataLoader[uuid.UUID, Guardianship | None]
    visit: DataLoader[uuid.UUID, Visit | None]
    case: DataLoader[uuid.UUID, Case | None]
    open_cases: DataLoader[uuid.UUID, list[Case]]
    moves: DataLoader[uuid.UUID, list[ChildMove]]
    case_event: DataLoader[uuid.UUID, CaseEvent | None]
    case_event_page: DataLoader[EventPage, list[CaseEvent]]
    case_event_count: DataLoader[uuid.UUID, int]
    user: DataLoader[uuid.UUID, User | None]
    case_referrals: DataLoader[uuid.UUID, list[CaseReferral]]
    referral: DataLoader[uuid.UUID, CaseReferral | None]
    organization: DataLoader[uuid.UUID, Organization | None]
    staff_trainings: DataLoader[uuid.UUID, list[StaffTraining]]
    staff_grants: DataLoader[str, list[tuple[str, str]]]
    staff_card: DataLoader[uuid.UUID, StaffCardRow | None]

    @classmethod
    def create(cls, db: RequestDatabase) -> Loaders:
        """Fresh loaders (and so fresh caches) for a request."""
        parents = _batched(db, household_store.parents_by_household)
        users = _batched(db, users_by_id)
        organizations = _batched(db, organization_store.organizations_by_id)
        return cls(
            area=_batched(db, areas_by_code),
            child=_batched(db, child_store.children_by_id),
            household=_households(db, parents),
            household_children=_batched(db, child_store.children_by_household),
            household_parents=parents,
            active_guardian=_batched(db, guardian_store.active_guardians),
            guardianships=_batched(db, guardian_store.guardianships_by_child),
            last_visit=_batched(db, visit_store.last_visits),
            parent=_batched(db, lambda s, ids: live_by_id(s, Parent, ids)),
            guardianship=_batched(db, lambda s, ids: live_by_id(s, Guardianship, ids)),
            visit=_batched(db, lambda s, ids: live_by_id(s, Visit, ids)),
            case=_batched(db, cases_by_id),
            open_cases=_batched(db, open_cases_by_child),
            moves=_batched(db, child_store.moves_by_child),
            case_event=_batched(db, lambda s, ids: live_by_id(s, CaseEvent, ids)),
            case_event_page=_batched(db, case_event_pages),
            case_event_count=_batched(db, case_event_counts),
            user=users,
            case_referrals=_batched(db, referrals_by_case),
            referral=_batched(db, lambda s, ids: live_by_id(s, CaseReferral, ids)),
            organization=organizations,
            staff_trainings=_batched(db, staff_store.trainings_by_user),
            staff_grants=_batched(db, staff_store.grants_by_subject),
            staff_card=_staff_cards(db, users, organizations),
        )

    def clear_all(self) -> None:
        """Forget everything loaded: after a write, rows may have changed."""
        for field in fields(self):
            loader: DataLoader[Any, Any] = getattr(self, field.name)
            loader.clear_all()
