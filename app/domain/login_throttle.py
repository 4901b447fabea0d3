"""Login throttling: how long logins are refused after failures in a row, as plain rules.

After `threshold` wrong passwords in a row for one subject (an account, or a client address),
further attempts are refused for a back-off that starts at `first_backoff` seconds and
doubles with each failure beyond the threshold, up to `max_backoff`: with 5, 1 s and 15
minutes, the 5th failure refuses 1 s, the 6th 2 s, the 7th 4 s… and from the 15th on 15
minutes. Failures are forgotten after `forget_after` seconds without one (longer than the
cap, so that an attacker guessing at the capped pace is never forgiven). No database here:
app/auth/throttle.py keeps the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# 2**48 seconds is beyond any cap; the exponent stops there so the number stays a float.
_MAX_DOUBLINGS = 48


@dataclass(frozen=True)
class ThrottleRule:
    """When failures start to refuse logins, and for how long."""

    threshold: int
    max_backoff: float
    forget_after: float
    first_backoff: float = 1.0

    def backoff(self, failures: int) -> float:
        """Seconds logins are refused after the `failures`-th failure in a row."""
        if failures < self.threshold:
            return 0.0
        doublings = min(failures - self.threshold, _MAX_DOUBLINGS)
        return min(self.max_backoff, self.first_backoff * 2.0**doublings)


@dataclass(frozen=True)
class LoginThrottle:
    """The rules for accounts (usernames) and for client addresses."""

    account: ThrottleRule
    address: ThrottleRule


@dataclass(frozen=True)
class Failures:
    """A subject's failures in a row and when the last one was."""

    count: int
    last_at: datetime


def current(rule: ThrottleRule, failures: Failures | None, now: datetime) -> Failures | None:
    """The failures that still count at `now`: None once forgotten."""
    if failures is None or now - failures.last_at >= timedelta(seconds=rule.forget_after):
        return None
    return failures


def wait_seconds(rule: ThrottleRule, failures: Failures | None, now: datetime) -> float:
    """How long attempts are still refused at `now`; 0 when one may be made."""
    counted = current(rule, failures, now)
    # Below the threshold nothing waits, even if another worker's clock, a little ahead of
    # this one's, put the last failure in the future.
    if counted is None or counted.count < rule.threshold:
        return 0.0
    until = counted.last_at + timedelta(seconds=rule.backoff(counted.count))
    return max(0.0, (until - now).total_seconds())


def with_failure(rule: ThrottleRule, failures: Failures | None, now: datetime) -> Failures:
    """The failures after one more at `now`."""
    counted = current(rule, failures, now)
    return Failures(count=1 if counted is None else counted.count + 1, last_at=now)
