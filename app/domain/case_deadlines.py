"""How long a protection case may stay in each stage (seed 004 §四: report and respond at once).

The state machine of allowed transitions is app/domain/workflow.py; the deadlines are used by
it, by generated data and by `overdue`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.enums import CaseStage

STAGE_DEADLINES: dict[CaseStage, timedelta | None] = {
    # A report must be answered by an emergency response within a day.
    CaseStage.REPORTED: timedelta(hours=24),
    CaseStage.EMERGENCY_RESPONSE: timedelta(days=3),
    CaseStage.ASSESSMENT: timedelta(days=7),
    CaseStage.ASSISTANCE: timedelta(days=30),
    CaseStage.INTERVENTION: timedelta(days=90),
    CaseStage.FOLLOW_UP: timedelta(days=180),
    CaseStage.CLOSED: None,
    # A dropout: a fortnight of home visits to persuade the family (劝返)…
    CaseStage.PERSUASION: timedelta(days=15),
    # …and when that fails, the written report within a week.
    CaseStage.PERSUASION_FAILED: timedelta(days=7),
}

# The order a case normally goes through; intervention is skipped when not needed.
STAGE_ORDER: tuple[CaseStage, ...] = (
    CaseStage.REPORTED,
    CaseStage.EMERGENCY_RESPONSE,
    CaseStage.ASSESSMENT,
    CaseStage.ASSISTANCE,
    CaseStage.INTERVENTION,
    CaseStage.FOLLOW_UP,
    CaseStage.CLOSED,
)
# The order of a dropout case (app/domain/workflow.py): after the written report it is
# followed up like any case; a pupil who returns closes it from any of these.
DROPOUT_STAGE_ORDER: tuple[CaseStage, ...] = (
    CaseStage.PERSUASION,
    CaseStage.PERSUASION_FAILED,
    CaseStage.FOLLOW_UP,
    CaseStage.CLOSED,
)


def stage_due_at(stage: CaseStage, entered_at: datetime) -> datetime | None:
    """When a case that entered `stage` at `entered_at` must have moved on (None: no limit)."""
    limit = STAGE_DEADLINES[stage]
    return None if limit is None else entered_at + limit


def is_case_overdue(due_at: datetime | None, now: datetime) -> bool:
    """Whether a case is past its stage deadline."""
    return due_at is not None and now > due_at
