"""A school's absence submission: match pupils, record absences, start dropout follow-up.

One submission is one transaction: all of it is recorded or, on a refusal, none of it.
Rows that cannot be recorded are not errors of the submission: they come back in the
result with their reason, and the rest is recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.absences import (
    MAX_RECORDS_PER_SUBMISSION,
    CheckedAbsence,
    DropoutRule,
    RawAbsence,
    RejectedAbsence,
    Rejection,
    check_absence,
    rejection_message,
    submission_digest,
)
from app.enums import CaseCategory, CaseEventKind, DropoutFollowUp, ReportSource
from app.errors import refuse
from app.idcrypto import fingerprints
from app.models import Organization
from app.services.cases import case_event, new_case, number_case
from app.services.common import Actor
from app.services.statistics.refresh import mark_villages_written
from app.store import absences as store
from authz.guard import require

MAX_BATCH_ID_LENGTH = 100


@dataclass(frozen=True)
class Unmatched:
    """A row that was not recorded: its number in the submission (from 1) and why."""

    row: int
    student_number: str | None
    date: str | None
    reason: str

    @property
    def message(self) -> str:
        """The reason for people, in the language of the request that reads it: a result is
        stored and replayed to whoever resends the batch, so only the reason is kept."""
        return rejection_message(Rejection(self.reason))


@dataclass(frozen=True)
class SubmissionResult:
    """What a submission did. Kept with the batch and returned again on resubmission."""

    batch_id: str
    received: int
    matched: int
    recorded: int
    updated: int
    unchanged: int
    cases_opened: int
    cases_updated: int
    unmatched: list[Unmatched] = field(default_factory=list)
    replayed: bool = False
    case_ids: list[str] = field(default_factory=list)

    def to_json(self, *, messages: bool = False) -> dict[str, Any]:
        """The stored form, in camelCase: reasons without messages. With `messages`, the CSV
        endpoint's answer: each unmatched row's message too, in the request's language."""
        data = asdict(self)
        return {_camel(key): value for key, value in data.items() if key != "case_ids"} | {
            "unmatched": [
                {_camel(k): v for k, v in asdict(u).items()}
                | ({"message": u.message} if messages else {})
                for u in self.unmatched
            ]
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        """A stored result, as a resubmission returns it."""
        return cls(
            batch_id=data["batchId"], received=data["received"], matched=data["matched"],
            recorded=data["recorded"], updated=data["updated"], unchanged=data["unchanged"],
            cases_opened=data["casesOpened"], cases_updated=data["casesUpdated"],
            unmatched=[
                Unmatched(row=u["row"], student_number=u["studentNumber"], date=u["date"],
                          reason=u["reason"])
                for u in data["unmatched"]
            ],
            replayed=True,
        )  # fmt: skip


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _unmatched(rejected: RejectedAbsence) -> Unmatched:
    return Unmatched(
        row=rejected.row,
        student_number=rejected.student_number,
        date=rejected.date,
        reason=rejected.reason.value,
    )


def _check_submission(batch_id: str, rows: Sequence[RawAbsence]) -> str:
    batch = batch_id.strip()
    if not batch or len(batch) > MAX_BATCH_ID_LENGTH or not batch.isprintable():
        raise refuse(
            "INVALID_BATCH_ID",
            "batchId",
            "1 to {maximum} printable characters",
            {"maximum": MAX_BATCH_ID_LENGTH},
        )
    if len(rows) > MAX_RECORDS_PER_SUBMISSION:
        raise refuse(
            "TOO_MANY_RECORDS",
            "records",
            "at most {maximum} records per submission; split the file",
            {"maximum": MAX_RECORDS_PER_SUBMISSION},
        )
    return batch


@dataclass
class _Matching:
    """Rows sorted into records to write and rows that cannot be recorded."""

    records: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[RejectedAbsence] = field(default_factory=list)


def _match(
    checked: list[CheckedAbsence],
    pupils: list[store.Pupil],
    school_id: uuid.UUID,
    prints: dict[bytes, str],
) -> _Matching:
    """`prints` are the fingerprints of the rows' ID numbers (each to its number): ID numbers
    are compared by fingerprint, and the pupils' own are never opened."""
    by_number = {p.student_number: p for p in pupils if p.school_id == school_id}
    by_id = {prints[p.id_number_hash]: p for p in pupils if p.id_number_hash in prints}
    matching = _Matching()
    seen: set[tuple[uuid.UUID, Any]] = set()
    for row in checked:

        def reject(why: Rejection, row: CheckedAbsence = row) -> None:
            matching.rejected.append(
                RejectedAbsence(row.row, row.student_number, row.absent_on.isoformat(), why)
            )

        pupil = by_number.get(row.student_number) if row.student_number else None
        if (
            pupil is not None
            and row.id_number
            and pupil.id_number_hash is not None
            and prints.get(pupil.id_number_hash) != row.id_number
        ):
            reject(Rejection.ID_NUMBER_MISMATCH)
            continue
        if pupil is None and row.id_number:
            pupil = by_id.get(row.id_number)
            if pupil is not None and pupil.school_id != school_id:
                reject(Rejection.NOT_THIS_SCHOOLS_STUDENT)
                continue
        if pupil is None:
            reject(Rejection.UNKNOWN_STUDENT)
            continue
        if (pupil.id, row.absent_on) in seen:
            reject(Rejection.DUPLICATE_ROW)
            continue
        seen.add((pupil.id, row.absent_on))
        matching.records.append(
            {
                "id": uuid.uuid4(),
                # The pupil, not the row's spelling of them: a resubmission that names the
                # pupil by ID number instead of student number is still the same record.
                "student_key": pupil.id.hex,
                "student_number": row.student_number,
                "id_number": row.id_number,
                "absent_on": row.absent_on,
                "periods": row.periods,
                "excused": row.excused,
                "reason": row.reason,
                "child_id": pupil.id,
                "area_code": pupil.area_code,
            }
        )
    return matching


async def submit_absences(
    session: AsyncSession,
    actor: Actor,
    batch_id: str,
    rows: Sequence[RawAbsence],
    rule: DropoutRule,
) -> SubmissionResult:
    """Record a school's absence rows and apply the dropout rule.

    Idempotent twice over: a batch id already used with the same content returns the first
    result and writes nothing (IDEMPOTENCY_CONFLICT if the content differs), and a record
    already on file for the pupil and day is left alone unless its details changed.
    """
    principal = actor.scope.principal
    school_id = principal.organization_id
    if school_id is None or principal.area_code is None:
        raise refuse("FORBIDDEN", "batchId", "absences are submitted by a school")
    require(actor.scope, "absence", "write", principal.area_code, field="batchId")
    batch = _check_submission(batch_id, rows)
    digest = submission_digest(rows)
    claimed = await store.claim_batch(
        session,
        {"id": uuid.uuid4(), "school_id": school_id, "batch_id": batch,
         "area_code": principal.area_code, "digest": digest, "record_count": len(rows),
         "submitted_by": principal.label[:120]},
    )  # fmt: skip
    if not claimed:
        earlier = await store.existing_batch(session, school_id, batch)
        if earlier is None or earlier.digest != digest:
            raise refuse(
                "IDEMPOTENCY_CONFLICT", "batchId",
                "this batch id was already used for other records: use a new batch id",
            )  # fmt: skip
        return SubmissionResult.from_json(earlier.result)

    outcomes = [check_absence(i, raw, actor.today) for i, raw in enumerate(rows, start=1)]
    checked = [o for o in outcomes if isinstance(o, CheckedAbsence)]
    prints = fingerprints({c.id_number for c in checked if c.id_number})
    pupils = await store.find_pupils(
        session, school_id, {c.student_number for c in checked if c.student_number}, prints
    )
    matching = _match(checked, pupils, school_id, prints)
    written = await store.upsert_absences(session, school_id, batch, matching.records)
    mark_villages_written(session, {w.area_code for w in written})
    opened, case_counts = await _follow_up_dropouts(session, actor, written, rule)

    rejected = [o for o in outcomes if isinstance(o, RejectedAbsence)] + matching.rejected
    inserted = sum(1 for w in written if w.inserted)
    result = SubmissionResult(
        batch_id=batch,
        received=len(rows),
        matched=len(matching.records),
        recorded=inserted,
        updated=len(written) - inserted,
        unchanged=len(matching.records) - len(written),
        cases_opened=len(opened),
        cases_updated=len(set(case_counts) - set(opened)),
        unmatched=[_unmatched(r) for r in sorted(rejected, key=lambda r: r.row)],
        case_ids=sorted(str(case_id) for case_id in case_counts),
    )
    await store.finish_batch(session, school_id, batch, result.to_json())
    return result


async def _follow_up_dropouts(
    session: AsyncSession, actor: Actor, written: list[store.Written], rule: DropoutRule
) -> tuple[set[uuid.UUID], dict[uuid.UUID, int]]:
    """Open a dropout case for each pupil the rule now flags and who has none open; attach
    the new unexcused absences to the open cases. Returns the opened cases and how many
    absences each case received."""
    start = rule.lookback_start(actor.today)
    fresh = [w for w in written if not w.excused and start <= w.absent_on <= actor.today]
    children = sorted({w.child_id for w in fresh})
    if not children:
        return set(), {}
    days = await store.unexcused_days(session, children, start)
    flagged = [child for child in children if rule.at_risk(days.get(child, []), actor.today)]
    already_open = await store.open_dropout_cases(session, flagged)
    to_open = [child for child in flagged if child not in already_open]
    areas = {w.child_id: w.area_code for w in fresh}
    opened = await _open_cases(session, actor, to_open, days, areas, rule)
    counts = await store.attach_to_cases(session, [w.id for w in fresh], actor.now)
    earlier = [case_id for case_id in counts if case_id not in opened]
    areas = opened | await store.case_areas(session, earlier)
    session.add_all(
        case_event(case_id, areas[case_id], actor, CaseEventKind.ABSENCE,
                   note=f"学校报送无故缺课 {count} 天")
        for case_id, count in counts.items()
    )  # fmt: skip
    await session.flush()
    return set(opened), counts


async def _open_cases(
    session: AsyncSession,
    actor: Actor,
    children: list[uuid.UUID],
    days: dict[uuid.UUID, list[date]],
    areas: dict[uuid.UUID, str],
    rule: DropoutRule,
) -> dict[uuid.UUID, str]:
    """The dropout cases opened for these children, as case id → area code."""
    if not children:
        return {}
    principal = actor.scope.principal
    school = await session.get(Organization, principal.organization_id)
    reporter = school.name if school is not None else principal.label
    opened: dict[uuid.UUID, str] = {}
    for child_id in children:
        case_id = uuid.uuid4()
        area = areas[child_id]
        count = len(set(days.get(child_id, [])))  # read from the rule's window only
        case, reported = new_case(
            actor, case_id, area, child_id=child_id, category=CaseCategory.DROPOUT,
            source=ReportSource.SCHOOL, reporter_id=actor.user_id,
            reporter_organization_id=principal.organization_id, reporter_name=reporter[:100],
            description=(
                f"{reporter}报送：近{rule.window_days}天无故缺课{count}天，达到辍学风险标准"
                f"（连续{rule.consecutive_days}个上学日，或{rule.window_days}天内累计"
                f"{rule.days_in_window}天）。请村（居）儿童主任入户劝返。"
            ),
            reported_to_police=False, dropout_follow_up=DropoutFollowUp.PERSUASION_UNDER_WAY,
        )  # fmt: skip
        await number_case(session, actor, case)
        session.add_all((case, reported))
        opened[case_id] = area
    # The cases must exist before absences can be attached to them.
    await session.flush()
    return opened
