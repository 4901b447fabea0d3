"""The audit trail of reads of sensitive fields and of every change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import ARRAY, Boolean, DateTime, String, Uuid, bindparam, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.idnumber import redact_id_numbers
from app.models import AuditEvent
from authz.scope import Principal


@dataclass
class AuditTrail:
    """The sensitive records one request read, collected while it runs."""

    reads: set[str] = field(default_factory=set)
    # The children whose file was shown in full: id → (village, full ID number shown).
    files: dict[uuid.UUID, tuple[str, bool]] = field(default_factory=dict)

    def read(self, record: str) -> None:
        """Note that a sensitive field of `record` (e.g. `Child:<uuid>`) was shown."""
        self.reads.add(record)

    def file(self, child_id: uuid.UUID, area_code: str, *, id_number: bool = False) -> None:
        """Note that a child's file was shown in full (and whether with its full ID
        number)."""
        shown = self.files.get(child_id, (area_code, False))[1]
        self.files[child_id] = (area_code, shown or id_number)

    @property
    def empty(self) -> bool:
        """Nothing to record."""
        return not self.reads and not self.files


def _kept(query: str | None) -> str | None:
    """A document as the trail keeps it: it may spell an ID number out (variables are not
    kept), which is masked."""
    return None if query is None else redact_id_numbers(query)


# The request's event and a row per child file it showed, in one statement.
_READ_EVENT = text(
    """
    WITH event AS (
        INSERT INTO audit_events (occurred_at, actor_user_id, actor_label, action,
            operation_name, query_text, record_ids, area_code)
        VALUES (:now, :user_id, :label, 'read', :operation_name, :query, :records, :area_code)
        RETURNING id, occurred_at, actor_user_id, actor_label
    )
    INSERT INTO audit_reads (id, event_id, occurred_at, actor_user_id, actor_label, child_id,
        area_code, id_number)
    SELECT gen_random_uuid(), event.id, event.occurred_at, event.actor_user_id,
        event.actor_label, file.child_id, file.area_code, file.id_number
    FROM event, unnest(:children, :areas, :id_numbers) AS file(child_id, area_code, id_number)
    """
).bindparams(
    bindparam("now", type_=DateTime(timezone=True)),
    bindparam("user_id", type_=Uuid()),
    bindparam("records", type_=ARRAY(String())),
    bindparam("children", type_=ARRAY(Uuid())),
    bindparam("areas", type_=ARRAY(String())),
    bindparam("id_numbers", type_=ARRAY(Boolean())),
)


async def write_read_event(
    session: AsyncSession,
    principal: Principal,
    trail: AuditTrail,
    *,
    operation_name: str | None,
    query: str | None,
) -> None:
    """Record what one request showed: its event, and who read which child's file, in one
    statement however many children it showed (the caller commits it). The event is the
    principal's: its label, account and area."""
    children = list(trail.files)
    await session.execute(
        _READ_EVENT,
        {
            "now": clock.now(),
            "user_id": principal.user_id,
            "label": principal.label,
            "operation_name": operation_name,
            "query": _kept(query),
            "records": sorted(trail.reads),
            "area_code": principal.area_code,
            "children": children,
            "areas": [trail.files[c][0] for c in children],
            "id_numbers": [trail.files[c][1] for c in children],
        },
    )


async def write_audit_event(
    session: AsyncSession,
    principal: Principal,
    *,
    action: str,
    records: list[str],
    operation_name: str | None = None,
    query: str | None = None,
    request_id: str | None = None,
) -> None:
    """Add the principal's audit event (its label, account and area) to the session's
    transaction (the caller commits it)."""
    await session.execute(
        insert(AuditEvent).values(
            actor_user_id=principal.user_id,
            actor_label=principal.label,
            action=action,
            operation_name=operation_name,
            query_text=_kept(query),
            record_ids=sorted(records),
            area_code=principal.area_code,
            request_id=request_id,
        )
    )
