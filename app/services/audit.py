"""The audit trail of reads of sensitive fields and of every change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    DateTime,
    Select,
    String,
    Text,
    Uuid,
    bindparam,
    cast,
    distinct,
    false,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.domain.idnumber import redact_id_numbers
from app.models import AuditEvent, AuditRead
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


# Where a compiled response notes an ID number shown in full (schema/compiler/statements.py).
_FULL_READS = "'$.**.\"$read\" ? (@ != null)'"
# Where a compiled response notes a file shown in full below its root.
_NESTED_FILES = "'$.**.\"$file\" ? (@ != null)'"


def with_read_event(
    document: Select[Any],
    principal: Principal,
    *,
    operation_name: str | None,
    query: str | None,
    now: ColumnElement[datetime],
    notes_reads: bool,
    notes_files: bool = False,
) -> Select[Any]:
    """A compiled read whose statement also writes its audit event, as `write_read_event`
    does, in the same statement and transaction: `document`'s one column is
    `{"files": [[child id, village, ID number shown in full]…], "data": …}`, the records read
    in full are noted in `data` (`"$read"`), and the statement returns `data`; `now` is the
    statement's parameter for the moment it runs; `notes_reads` whether `data` may note any
    (else the search for them is left out); `notes_files` whether rows below the root note
    their files in `data` (`"$file"`), each child's counted once. Nothing is written when
    the response showed nothing sensitive."""
    result = document.cte("result")
    doc = result.c.doc
    data = doc.op("->")(literal_column("'data'"))
    found = (
        func.jsonb_path_query(cast(data, JSONB), literal_column(_FULL_READS))
        .table_valued("value")
        .render_derived()
    )
    record = found.c.value.op("#>>")(literal_column("'{}'"))
    # Read once, used for the event's records and for whether there is an event at all.
    records = (
        select(
            func.coalesce(
                func.array_agg(aggregate_order_by(distinct(record), record)),
                literal_column("'{}'::text[]"),
            ).label("ids")
        )
        .select_from(result.join(found, true()))
        .where(true() if notes_reads else false())
        .cte("read_records")
    )
    files: Any = (
        func.json_array_elements(doc.op("->")(literal_column("'files'")))
        .table_valued("value")
        .render_derived()
    )
    shown = func.json_array_length(doc.op("->")(literal_column("'files'"))) > 0
    if notes_files:
        files, shown = _every_file(result, data)
    event_row = (
        select(
            now,
            literal(principal.user_id, Uuid()),
            literal(principal.label, String()),
            literal_column("'read'"),
            literal(operation_name, String()),
            literal(_kept(query), String()),
            records.c.ids,
            literal(principal.area_code, String()),
        )
        .select_from(result.join(records, true()))
        .where(or_(shown, func.cardinality(records.c.ids) > 0))
    )
    event = (
        insert(AuditEvent)
        .from_select(
            [
                "occurred_at",
                "actor_user_id",
                "actor_label",
                "action",
                "operation_name",
                "query_text",
                "record_ids",
                "area_code",
            ],
            event_row,
        )
        .returning(
            AuditEvent.id, AuditEvent.occurred_at, AuditEvent.actor_user_id, AuditEvent.actor_label
        )
        .cte("event")
    )
    read_rows = select(
        func.gen_random_uuid(),
        event.c.id,
        event.c.occurred_at,
        event.c.actor_user_id,
        event.c.actor_label,
        cast(files.c.value.op("->>")(literal_column("0")), Uuid()),
        files.c.value.op("->>")(literal_column("1")),
        cast(files.c.value.op("->>")(literal_column("2")), Boolean()),
    ).select_from(event.join(result, true()).join(files, true()))
    reads = (
        insert(AuditRead)
        .from_select(
            [
                "id",
                "event_id",
                "occurred_at",
                "actor_user_id",
                "actor_label",
                "child_id",
                "area_code",
                "id_number",
            ],
            read_rows,
        )
        .cte("reads")
    )
    # The read is answered without waiting for the audit rows to reach the disk (4 ms a
    # request here): a crash of the database server itself may lose the last fraction of a
    # second of read events, never a write. The transaction's own setting, nobody else's.
    asynchronous = func.set_config("synchronous_commit", "off", True)
    return select(cast(data, Text()), asynchronous).select_from(result).add_cte(event, reads)


def _every_file(result: Any, data: ColumnElement[Any]) -> tuple[Any, ColumnElement[bool]]:
    """The files a compiled response showed, its root's ([id, village, ID number in full])
    and those noted below it ({child, area, full}), one per child (its full ID number shown
    anywhere), as `with_read_event` writes them; and whether there is any."""
    doc = result.c.doc
    own = (
        func.jsonb_array_elements(cast(doc.op("->")(literal_column("'files'")), JSONB))
        .table_valued("value")
        .render_derived()
    )
    nested = (
        func.jsonb_path_query(cast(data, JSONB), literal_column(_NESTED_FILES))
        .table_valued("value")
        .render_derived()
    )

    def part(source: Any, child: str, area: str, full: str) -> Select[Any]:
        value = source.c.value
        return select(
            value.op("->>")(literal_column(child)).label("child"),
            value.op("->>")(literal_column(area)).label("area"),
            cast(value.op("->>")(literal_column(full)), Boolean()).label("full"),
        ).select_from(result.join(source, true()))

    every = (
        part(own, "0", "1", "2")
        .union_all(part(nested, "'child'", "'area'", "'full'"))
        .subquery("every_file")
    )
    grouped = (
        select(
            func.json_build_array(
                every.c.child, func.min(every.c.area), func.bool_or(every.c.full)
            ).label("value")
        )
        .group_by(every.c.child)
        .cte("files")
    )
    return grouped, select(grouped.c.value).exists()
