"""The signing and retry rules of webhook deliveries."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from app.domain.webhooks import AfterFailure, RetryRule, after_failure, signature

RULE = RetryRule(max_attempts=4, base_delay=timedelta(seconds=10), max_delay=timedelta(seconds=25))


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        (1, AfterFailure(dead=False, delay=timedelta(seconds=10))),
        (2, AfterFailure(dead=False, delay=timedelta(seconds=20))),
        (3, AfterFailure(dead=False, delay=timedelta(seconds=25))),  # capped
        (4, AfterFailure(dead=True, delay=timedelta(0))),
        (9, AfterFailure(dead=True, delay=timedelta(0))),
    ],
)
def test_failures_back_off_then_die(attempts: int, expected: AfterFailure) -> None:
    assert after_failure(attempts, RULE) == expected


def test_the_signature_is_the_hmac_of_timestamp_dot_body() -> None:
    body = b'{"kind":"case_reported"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", 1700000000, body) == f"sha256={expected}"
    assert signature("s3cret", 1700000001, body) != f"sha256={expected}"
    assert signature("other", 1700000000, body) != f"sha256={expected}"
