"""SQL of school absence submissions: matching pupils, upserting records, the dropout rule's
inputs. Set-based: one statement per step whatever the submission's size.

These statements name the tables, not the mapped classes, so the request's ORM predicate does
not apply: they run for the school inside a rule the system enforces (a school must learn
that an ID number is not its pupil's, and must not open a second case it cannot read about).
Row-level security still bounds them to the school's area.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    String,
    Table,
    Uuid,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.type_api import TypeEngine

from app.enums import CaseCategory, DropoutFollowUp
from app.idcrypto import sealed_pair
from app.models import AbsenceBatch, AbsenceRecord, Case, Child, DropoutStatus

_children: Table = Child.__table__  # type: ignore[assignment]
_cases: Table = Case.__table__  # type: ignore[assignment]
_records: Table = AbsenceRecord.__table__  # type: ignore[assignment]
_batches: Table = AbsenceBatch.__table__  # type: ignore[assignment]
SEALED_COLUMN = AbsenceRecord.id_number.column


def in_array(column: Any, values: Sequence[Any], item_type: TypeEngine[Any]) -> ColumnElement[bool]:
    """`column = ANY(:array)`: one parameter however many values (an IN list of ten
    thousand would be ten thousand parameters)."""
    condition: ColumnElement[bool] = column == any_(
        bindparam(None, list(values), type_=ARRAY(item_type))
    )
    return condition


@dataclass(frozen=True)
class Pupil:
    """A child a submitted row may be about."""

    id: uuid.UUID
    area_code: str
    school_id: uuid.UUID | None
    student_number: str | None
    id_number_hash: bytes | None


async def find_pupils(
    session: AsyncSession,
    school_id: uuid.UUID,
    student_numbers: set[str],
    id_number_prints: Collection[bytes],
) -> list[Pupil]:
    """The school's pupils with these student numbers, and the children with these ID numbers
    by fingerprint (whichever school they attend, within the school's area)."""
    if not student_numbers and not id_number_prints:
        return []
    c = _children.c
    rows = await session.execute(
        select(c.id, c.area_code, c.school_id, c.student_number, c.id_number_hash).where(
            c.deleted_at.is_(None),
            or_(
                and_(
                    c.school_id == school_id,
                    in_array(c.student_number, sorted(student_numbers), String()),
                ),
                in_array(c.id_number_hash, sorted(id_number_prints), LargeBinary()),
            ),
        )
    )
    return [Pupil(*row) for row in rows]


async def claim_batch(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Record a new batch; False when the school already sent one with this id (a concurrent
    resubmission waits here until the first commits)."""
    inserted = await session.execute(
        insert(_batches)
        .values(**values, result={})
        .on_conflict_do_nothing(index_elements=["school_id", "batch_id"])
        .returning(_batches.c.id)
    )
    return inserted.first() is not None


async def existing_batch(
    session: AsyncSession, school_id: uuid.UUID, batch_id: str
) -> AbsenceBatch | None:
    """The school's earlier batch with this id."""
    found: AbsenceBatch | None = await session.scalar(
        select(AbsenceBatch).where(
            AbsenceBatch.school_id == school_id, AbsenceBatch.batch_id == batch_id
        )
    )
    return found


async def finish_batch(
    session: AsyncSession, school_id: uuid.UUID, batch_id: str, result: dict[str, Any]
) -> None:
    """Keep the answer a batch got, for its resubmissions."""
    await session.execute(
        update(_batches)
        .where(_batches.c.school_id == school_id, _batches.c.batch_id == batch_id)
        .values(result=result, updated_at=func.now())
    )


@dataclass(frozen=True)
class Written:
    """A record the upsert inserted or changed."""

    id: uuid.UUID
    child_id: uuid.UUID
    inserted: bool
    excused: bool
    absent_on: date
    area_code: str


_UPSERT = text(
    """
    INSERT INTO absence_records AS a (
        id, school_id, batch_id, student_key, student_number, id_number_enc, id_number_hash,
        absent_on, periods, excused, reason, child_id, area_code)
    SELECT r.id, :school_id, :batch_id, r.student_key, r.student_number, r.id_number_enc,
           r.id_number_hash, r.absent_on, r.periods, r.excused, r.reason, r.child_id,
           r.area_code
    FROM unnest(
        CAST(:ids AS uuid[]), CAST(:student_keys AS varchar[]), CAST(:student_numbers AS varchar[]),
        CAST(:id_number_encs AS bytea[]), CAST(:id_number_hashes AS bytea[]),
        CAST(:absent_on AS date[]), CAST(:periods AS int[]), CAST(:excused AS boolean[]),
        CAST(:reasons AS varchar[]), CAST(:child_ids AS uuid[]), CAST(:area_codes AS varchar[])
    ) AS r(id, student_key, student_number, id_number_enc, id_number_hash, absent_on, periods,
           excused, reason, child_id, area_code)
    ON CONFLICT (school_id, student_key, absent_on) DO UPDATE
        SET periods = EXCLUDED.periods, excused = EXCLUDED.excused, reason = EXCLUDED.reason,
            batch_id = EXCLUDED.batch_id, updated_at = now()
        WHERE (a.periods, a.excused, a.reason)
              IS DISTINCT FROM (EXCLUDED.periods, EXCLUDED.excused, EXCLUDED.reason)
    RETURNING a.id, a.child_id, (a.xmax = 0) AS inserted, a.excused, a.absent_on, a.area_code
    """
)


async def upsert_absences(
    session: AsyncSession, school_id: uuid.UUID, batch_id: str, rows: Sequence[dict[str, Any]]
) -> list[Written]:
    """Insert the records, update those that changed, leave identical ones alone (one per
    school, pupil and day); each row's `id_number` is sealed here. Returns what was written."""
    if not rows:
        return []
    columns = {
        "ids": "id", "student_keys": "student_key", "student_numbers": "student_number",
        "absent_on": "absent_on", "periods": "periods", "excused": "excused",
        "reasons": "reason", "child_ids": "child_id", "area_codes": "area_code",
    }  # fmt: skip
    params: dict[str, Any] = {name: [row[key] for row in rows] for name, key in columns.items()}
    sealed = [sealed_pair(row["id_number"], SEALED_COLUMN) for row in rows]
    params["id_number_encs"] = [enc for enc, _ in sealed]
    params["id_number_hashes"] = [hash_ for _, hash_ in sealed]
    result = await session.execute(
        _UPSERT, {"school_id": school_id, "batch_id": batch_id, **params}
    )
    return [Written(*row) for row in result]


async def unexcused_days(
    session: AsyncSession, child_ids: Sequence[uuid.UUID], since: date
) -> dict[uuid.UUID, list[date]]:
    """Each child's unexcused absence days since `since`, from every school."""
    r = _records.c
    rows = await session.execute(
        select(r.child_id, r.absent_on).where(
            in_array(r.child_id, child_ids, Uuid()), r.excused.is_(False), r.absent_on >= since
        )
    )
    days: dict[uuid.UUID, list[date]] = {}
    for child_id, day in rows:
        days.setdefault(child_id, []).append(day)
    return days


async def open_dropout_cases(
    session: AsyncSession, child_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The open dropout case of each of these children that has one: child id → case id."""
    c = _cases.c
    rows = await session.execute(
        select(c.child_id, c.id).where(
            in_array(c.child_id, child_ids, Uuid()),
            c.category == CaseCategory.DROPOUT,
            c.closed_at.is_(None),
            c.deleted_at.is_(None),
        )
    )
    return {child_id: case_id for child_id, case_id in rows}


async def attach_to_cases(
    session: AsyncSession, record_ids: Sequence[uuid.UUID], now: datetime
) -> dict[uuid.UUID, int]:
    """Attach these unexcused records to their child's open dropout case; the number of
    records each case received."""
    if not record_ids:
        return {}
    r, c = _records.c, _cases.c
    attached = await session.execute(
        update(_records)
        .where(
            in_array(r.id, record_ids, Uuid()),
            r.excused.is_(False),
            r.child_id == c.child_id,
            c.category == CaseCategory.DROPOUT,
            c.closed_at.is_(None),
            c.deleted_at.is_(None),
        )
        .values(case_id=c.id, updated_at=now)
        .returning(r.case_id)
    )
    counts: dict[uuid.UUID, int] = {}
    for (case_id,) in attached:
        counts[case_id] = counts.get(case_id, 0) + 1
    return counts


async def case_areas(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The area of each of these cases."""
    if not case_ids:
        return {}
    c = _cases.c
    rows = await session.execute(select(c.id, c.area_code).where(in_array(c.id, case_ids, Uuid())))
    return {case_id: area for case_id, area in rows}


async def list_dropout_statuses(
    session: AsyncSession,
    *,
    status: DropoutFollowUp | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[DropoutStatus]:
    """The follow-up status of dropout cases the session may see, newest first."""
    query = (
        select(DropoutStatus)
        .where(DropoutStatus.deleted_at.is_(None), *_status_is(status))
        .order_by(DropoutStatus.reported_at.desc(), DropoutStatus.id.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(DropoutStatus.reported_at, DropoutStatus.id) < tuple_(*after))
    return list(await session.scalars(query))


async def count_dropout_statuses(session: AsyncSession, *, status: DropoutFollowUp | None) -> int:
    """How many dropout cases the session may see the status of."""
    query = (
        select(func.count())
        .select_from(DropoutStatus)
        .where(DropoutStatus.deleted_at.is_(None), *_status_is(status))
    )
    return await session.scalar(query) or 0


def _status_is(status: DropoutFollowUp | None) -> list[ColumnElement[bool]]:
    return [] if status is None else [DropoutStatus.dropout_follow_up == status]
