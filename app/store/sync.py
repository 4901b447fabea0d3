"""Delta pull: what changed in the caller's scope since a cursor, a page at a time.

A round covers the transactions in [lo, hi): hi is the oldest transaction still running when
the round starts (pg_snapshot_xmin), so every row of the round is committed, and a
transaction that commits late (its id is below hi only once it has finished) falls into a
later round instead of being skipped. Within a round, each table is read in (change_xid,
change_seq) order, resuming where the previous page stopped.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    false,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Case,
    CaseEvent,
    CaseReferral,
    Child,
    ChildMove,
    ChildMoveRequest,
    Guardianship,
    Household,
    NgoContract,
    NgoContractChild,
    Parent,
    Task,
    Visit,
)

# Parents before children, so a device can insert in order.
SYNCED: tuple[tuple[str, Any], ...] = (
    ("households", Household),
    ("parents", Parent),
    ("children", Child),
    ("guardianships", Guardianship),
    ("visits", Visit),
    ("cases", Case),
    ("case_events", CaseEvent),
    ("referrals", CaseReferral),
    ("move_requests", ChildMoveRequest),
    ("moves", ChildMove),
    ("tasks", Task),
)


class InvalidCursor(ValueError):
    """A cursor this server did not make."""


@dataclass
class Cursor:
    """Where a device's pulling stands."""

    lo: int = 0
    hi: int | None = None  # set while a round is under way
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The day the previous round ended: contracts that expired since then end access too.
    day: date | None = None

    def encode(self) -> str:
        """The opaque text the device keeps."""
        raw = {
            "lo": self.lo,
            "hi": self.hi,
            "pos": self.positions,
            "day": self.day.isoformat() if self.day else None,
        }
        return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()

    @classmethod
    def decode(cls, value: str | None) -> Cursor:
        """A cursor from its text; the initial one for None."""
        if value is None:
            return cls()
        try:
            raw = json.loads(base64.urlsafe_b64decode(value.encode()))
            return cls(
                lo=int(raw["lo"]),
                hi=None if raw["hi"] is None else int(raw["hi"]),
                positions={k: (int(v[0]), int(v[1])) for k, v in raw["pos"].items()},
                day=date.fromisoformat(raw["day"]) if raw.get("day") else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidCursor("invalid sync cursor") from exc


@dataclass
class Page:
    """One page of changes."""

    rows: dict[str, list[Any]]
    cursor: Cursor
    has_more: bool


# The oldest transaction still running: where a new round ends (see the module's text).
ROUND_END = literal_column("(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint", BigInteger)


def in_round(
    model: Any, name: str, cursor: Cursor, hi: int | ColumnElement[int]
) -> list[ColumnElement[bool]]:
    """The rows of `model` (synced as `name`) written in the cursor's round [lo, hi) and not
    yet pulled in it, read in `CHANGE_ORDER`."""
    terms = [model.change_xid >= cursor.lo, model.change_xid < hi]
    if name in cursor.positions:
        terms.append(tuple_(model.change_xid, model.change_seq) > tuple_(*cursor.positions[name]))
    return terms


def change_order(model: Any) -> list[ColumnElement[Any]]:
    """The order rows are pulled in, within a table."""
    return [model.change_xid, model.change_seq]


async def pull(session: AsyncSession, cursor: Cursor, limit: int, today: date) -> Page:
    """Rows of the scope written in the cursor's round, up to `limit` of them."""
    hi = cursor.hi
    if hi is None:
        hi = int(await session.scalar(select(ROUND_END)) or 0)
    budget = limit
    rows: dict[str, list[Any]] = {}
    positions = dict(cursor.positions)
    for name, model in SYNCED:
        query = select(model).where(*in_round(model, name, cursor, hi))
        found = list(await session.scalars(query.order_by(*change_order(model)).limit(budget + 1)))
        if len(found) > budget:
            taken = found[:budget]
            rows[name] = taken
            if taken:
                positions[name] = (taken[-1].change_xid, taken[-1].change_seq)
            return Page(
                rows=rows, cursor=Cursor(cursor.lo, hi, positions, cursor.day), has_more=True
            )
        rows[name] = found
        if found:
            positions[name] = (found[-1].change_xid, found[-1].change_seq)
        budget -= len(found)
    return Page(rows=rows, cursor=Cursor(lo=hi, day=today), has_more=False)


async def contract_children_to_recheck(
    session: AsyncSession, organization_id: uuid.UUID, cursor: Cursor, today: date
) -> list[uuid.UUID]:
    """Children whose assignment to the NGO changed, or whose contract changed or expired,
    since the cursor: the ones it may no longer see must be removed from its devices.

    A contract ends by the calendar, with no write, so expiry is found by date.
    """
    return list(
        set(await session.scalars(contract_children_changed(organization_id, cursor, today)))
    )


def contract_children_changed(
    organization_id: uuid.UUID, cursor: Cursor, today: date
) -> Select[Any]:
    """The query of `contract_children_to_recheck`."""
    changed = NgoContractChild.change_xid >= cursor.lo
    contract_changed = NgoContract.change_xid >= cursor.lo
    expired = (
        NgoContract.ends_on.between(cursor.day, today - timedelta(days=1))
        if cursor.day is not None
        else false()
    )
    return (
        select(NgoContractChild.child_id)
        .join(NgoContract, NgoContract.id == NgoContractChild.contract_id)
        .where(NgoContract.ngo_id == organization_id, or_(changed, contract_changed, expired))
    )
