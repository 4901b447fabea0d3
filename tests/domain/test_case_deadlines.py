"""How long a case may stay in each stage, the dropout path's stages included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.case_deadlines import (
    DROPOUT_STAGE_ORDER,
    STAGE_DEADLINES,
    STAGE_ORDER,
    is_case_overdue,
    stage_due_at,
)
from app.domain.measures import OPEN_STAGES
from app.enums import CaseStage

S = CaseStage
ENTERED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stage", "due"),
    [
        (S.REPORTED, ENTERED + timedelta(hours=24)),
        (S.EMERGENCY_RESPONSE, ENTERED + timedelta(days=3)),
        (S.ASSESSMENT, ENTERED + timedelta(days=7)),
        (S.ASSISTANCE, ENTERED + timedelta(days=30)),
        (S.INTERVENTION, ENTERED + timedelta(days=90)),
        (S.FOLLOW_UP, ENTERED + timedelta(days=180)),
        (S.CLOSED, None),
        (S.PERSUASION, ENTERED + timedelta(days=15)),
        (S.PERSUASION_FAILED, ENTERED + timedelta(days=7)),
    ],
)
def test_stage_deadline(stage: CaseStage, due: datetime | None) -> None:
    assert stage_due_at(stage, ENTERED) == due


def test_every_stage_has_a_deadline_entry() -> None:
    assert set(STAGE_DEADLINES) == set(CaseStage)


def test_the_two_paths_cover_every_stage_and_end_closed() -> None:
    assert set(STAGE_ORDER) | set(DROPOUT_STAGE_ORDER) == set(CaseStage)
    assert STAGE_ORDER[-1] is DROPOUT_STAGE_ORDER[-1] is S.CLOSED


def test_statistics_count_the_emergency_paths_stages_by_stage() -> None:
    # Open dropout cases are counted as dropout cases, whatever their stage.
    assert STAGE_ORDER[:-1] == OPEN_STAGES
    assert S.PERSUASION not in OPEN_STAGES and S.PERSUASION_FAILED not in OPEN_STAGES


@pytest.mark.parametrize(
    ("due", "now", "overdue"),
    [
        (None, ENTERED, False),
        (ENTERED, ENTERED, False),
        (ENTERED, ENTERED + timedelta(seconds=1), True),
    ],
)
def test_overdue(due: datetime | None, now: datetime, overdue: bool) -> None:
    assert is_case_overdue(due, now) is overdue
