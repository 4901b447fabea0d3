"""SQL of school rates: each school's pupils, dropouts and absent pupils
(app/domain/school_rates.py).

One statement over the tables, not the mapped classes, so the request's ORM predicate (which
lets county civil-affairs staff read no child's file) does not apply: the caller reads only
counts, of the schools authz/school_rates.py allows, and row-level security still bounds the
children counted to the caller's areas.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Table, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from app.domain.school_rates import PupilCounts
from app.enums import ChildStatus, OrganizationKind, SchoolLevel, SchoolStatus
from app.models import AbsenceRecord, Child, Organization
from app.store.absences import in_array

_children: Table = Child.__table__  # type: ignore[assignment]
_records: Table = AbsenceRecord.__table__  # type: ignore[assignment]
_organizations: Table = Organization.__table__  # type: ignore[assignment]
# On a school's roll: in school, or dropped out of it.
ON_ROLL = (SchoolStatus.IN_SCHOOL, SchoolStatus.DROPPED_OUT)


@dataclass(frozen=True)
class SchoolCounts:
    """One school and its pupils' counts."""

    id: uuid.UUID
    name: str
    area_code: str
    level: SchoolLevel | None
    counts: PupilCounts


async def school_counts(
    session: AsyncSession,
    county: str,
    schools: Sequence[uuid.UUID] | None,
    start: date,
    end: date,
) -> list[SchoolCounts]:
    """The schools of the county (those of `schools` only, unless None), by area and name,
    with their pupils on file, those who dropped out and those with an unexcused absence
    from `start` to `end`."""
    o, c, a = _organizations.c, _children.c, _records.c
    absent = exists().where(
        a.child_id == c.id,
        a.school_id == o.id,
        a.excused.is_(False),
        a.absent_on.between(start, end),
    )
    conditions = [
        o.kind == OrganizationKind.SCHOOL,
        o.deleted_at.is_(None),
        o.area_code.startswith(county),
    ]
    if schools is not None:
        conditions.append(in_array(o.id, list(schools), Uuid()))
    query = (
        select(
            o.id, o.name, o.area_code, o.school_level,
            func.count(c.id),
            func.count(c.id).filter(c.school_status == SchoolStatus.DROPPED_OUT),
            func.count(c.id).filter(absent),
        )
        .select_from(
            _organizations.outerjoin(
                _children,
                and_(
                    c.school_id == o.id,
                    c.deleted_at.is_(None),
                    c.status == ChildStatus.ACTIVE,
                    c.school_status.in_(ON_ROLL),
                ),
            )
        )
        .where(*conditions)
        .group_by(o.id)
        .order_by(o.area_code, o.name, o.id)
    )  # fmt: skip
    return [
        SchoolCounts(
            school_id, name, area, level,
            PupilCounts(pupils, dropped, absentees),
        )
        for school_id, name, area, level, pupils, dropped, absentees in await session.execute(query)
    ]  # fmt: skip
