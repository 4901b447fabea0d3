"""Login throttling rules: the threshold, a doubling back-off up to its cap, forgetting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.login_throttle import Failures, ThrottleRule, wait_seconds, with_failure

RULE = ThrottleRule(threshold=5, max_backoff=900, forget_after=3600)
T0 = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (4, 0), (5, 1), (6, 2), (7, 4), (14, 512), (15, 900), (16, 900), (10**9, 900)],
)
def test_the_backoff_doubles_from_the_threshold_to_the_cap(failures: int, seconds: float) -> None:
    assert RULE.backoff(failures) == seconds


def test_attempts_wait_out_the_backoff_of_the_last_failure() -> None:
    failures = None
    for _ in range(4):
        failures = with_failure(RULE, failures, T0)
    assert wait_seconds(RULE, failures, T0) == 0  # four: no wait yet
    # Not even when another worker's clock put the last failure ahead of this one's.
    assert wait_seconds(RULE, failures, T0 - timedelta(seconds=5)) == 0
    fifth = with_failure(RULE, failures, T0)
    assert fifth == Failures(count=5, last_at=T0)
    assert wait_seconds(RULE, fifth, T0) == 1
    assert wait_seconds(RULE, fifth, T0 + timedelta(milliseconds=400)) == pytest.approx(0.6)
    assert wait_seconds(RULE, fifth, T0 + timedelta(seconds=1)) == 0
    sixth = with_failure(RULE, fifth, T0 + timedelta(seconds=1))
    assert wait_seconds(RULE, sixth, T0 + timedelta(seconds=1)) == 2


def test_failures_are_forgotten_after_a_quiet_hour_not_before() -> None:
    capped = Failures(count=40, last_at=T0)
    assert wait_seconds(RULE, capped, T0 + timedelta(seconds=899)) == 1
    # An attacker guessing every 15 minutes is never forgiven...
    again = with_failure(RULE, capped, T0 + timedelta(seconds=900))
    assert again.count == 41
    # ...but an hour without a failure starts the count afresh.
    later = T0 + timedelta(seconds=3600)
    assert wait_seconds(RULE, capped, later) == 0
    assert with_failure(RULE, capped, later) == Failures(count=1, last_at=later)
    assert wait_seconds(RULE, None, T0) == 0
