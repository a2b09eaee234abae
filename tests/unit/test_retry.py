"""Which answers are retried, how long between tries, and when to give up."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from portin.domain.retry import (
    Decision,
    Outcome,
    RetryPolicy,
    classify,
    decide,
    parse_retry_after,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("status", "outcome"), [
    (200, Outcome.DELIVERED), (204, Outcome.DELIVERED), (None, Outcome.RETRY),
    (408, Outcome.RETRY), (429, Outcome.RETRY), (500, Outcome.RETRY), (503, Outcome.RETRY),
    (301, Outcome.FAIL), (400, Outcome.FAIL), (404, Outcome.FAIL), (410, Outcome.FAIL),
])
def test_classify(status: int | None, outcome: Outcome) -> None:
    assert classify(status) == outcome


@pytest.mark.parametrize("seed", range(50))
def test_every_gap_is_at_least_as_long_as_the_last_could_be(seed: int) -> None:
    policy = RetryPolicy(base_seconds=5, max_attempts=12, window_seconds=10**9)
    rng = random.Random(seed)
    delays = [policy.delay(n, rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        assert 5 * 2 ** (n - 1) / 2 <= delay <= 5 * 2 ** (n - 1)
    assert all(a <= b for a, b in itertools.pairwise(delays))


def test_retry_after_wins_when_longer() -> None:
    policy = RetryPolicy(base_seconds=1, max_attempts=5, window_seconds=3600)
    assert policy.delay(1, random.Random(0), retry_after=30) == 30
    assert policy.delay(3, random.Random(0), retry_after=0.1) >= 2


def test_attempts_and_window_run_out() -> None:
    policy = RetryPolicy(base_seconds=1, max_attempts=3, window_seconds=10)
    rng = random.Random(1)
    assert policy.next_attempt(2, NOW, NOW, rng) is not None
    assert policy.next_attempt(3, NOW, NOW, rng) is None
    assert policy.next_attempt(1, NOW, NOW + timedelta(seconds=9.9), rng) is None


def test_parse_retry_after() -> None:
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after("Wed, 25 Nov 2026 12:01:00 GMT", NOW) == 60
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_decide_delivered_failed_retried_and_given_up() -> None:
    policy = RetryPolicy(base_seconds=5, max_attempts=3, window_seconds=3600)
    rng = random.Random(1)
    assert decide(Outcome.DELIVERED, 1, NOW, NOW, policy, rng) == Decision(
        "delivered", "delivered", None)
    assert decide(Outcome.FAIL, 1, NOW, NOW, policy, rng) == Decision("failed", "failed", None)
    retried = decide(Outcome.RETRY, 1, NOW, NOW, policy, rng)
    assert (retried.attempt_status, retried.delivery_status) == ("failed", "pending")
    assert retried.next_attempt_at is not None
    assert NOW + timedelta(seconds=2.5) <= retried.next_attempt_at <= NOW + timedelta(seconds=5)
    # Out of attempts, or past the window: failed.
    assert decide(Outcome.RETRY, 3, NOW, NOW, policy, rng).delivery_status == "failed"
    late = NOW + timedelta(seconds=3599)
    assert decide(Outcome.RETRY, 1, NOW, late, policy, rng).delivery_status == "failed"
    # A Retry-After longer than the backoff is honoured.
    slow = decide(Outcome.RETRY, 1, NOW, NOW, policy, rng, retry_after=120)
    assert slow.next_attempt_at == NOW + timedelta(seconds=120)
