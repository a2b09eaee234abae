"""Which answers are retried, how long between tries, and when to give up."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portin.domain.endpoint_health import RESUMED_PER_SECOND, resume_offset_seconds
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


@given(base=st.floats(0.01, 60), attempts=st.integers(1, 12), seed=st.integers(0, 2**32))
def test_full_jitter_stays_within_zero_and_the_ceiling(base: float, attempts: int,
                                                       seed: int) -> None:
    policy = RetryPolicy(base_seconds=base, max_attempts=12, window_seconds=10**9)
    rng = random.Random(seed)
    for _ in range(20):
        assert 0 <= policy.delay(attempts, rng) <= base * 2 ** (attempts - 1)


@given(retry_after=st.floats(0.5, 3600), attempts=st.integers(1, 12),
       seed=st.integers(0, 2**32))
def test_retry_after_is_honoured_and_spread_after_it(retry_after: float, attempts: int,
                                                     seed: int) -> None:
    policy = RetryPolicy(base_seconds=5, max_attempts=12, window_seconds=10**9)
    rng = random.Random(seed)
    ceiling = 5 * 2 ** (attempts - 1)
    for _ in range(20):
        delay = policy.delay(attempts, rng, retry_after)
        assert retry_after <= delay <= max(ceiling, retry_after + max(ceiling, retry_after) / 2)


@settings(max_examples=20, deadline=None)
@given(base=st.sampled_from([1.0, 5.0, 30.0]), attempts=st.integers(1, 6),
       seed=st.integers(0, 2**32))
def test_deliveries_failed_in_the_same_second_come_due_spread(base: float, attempts: int,
                                                              seed: int) -> None:
    """10,000 deliveries whose attempt failed in the same second (a receiver went down under
    a burst) come due over every second of their backoff interval, none holding a crowd:
    half-fixed ("equal") jitter would fill only the upper half, twice as thick."""
    policy = RetryPolicy(base_seconds=base, max_attempts=12, window_seconds=10**9)
    rng = random.Random(seed)
    ceiling = base * 2 ** (attempts - 1)
    failed_at = NOW.timestamp()  # a whole second
    per_second = Counter(int(failed_at + rng.random() + policy.delay(attempts, rng))
                         for _ in range(10_000))
    # At least 10 per second on average here (the ceiling is at most 960 s): every second of
    # the interval gets some, and none more than a few times its share.
    assert len(per_second) >= int(ceiling)
    assert max(per_second.values()) <= 3 * 10_000 / ceiling + 20


@given(base=st.floats(0.01, 60), seed=st.integers(0, 2**32))
def test_later_attempts_may_wait_longer(base: float, seed: int) -> None:
    policy = RetryPolicy(base_seconds=base, max_attempts=12, window_seconds=10**9)
    rng = random.Random(seed)
    assert max(policy.delay(11, rng) for _ in range(50)) > base * 2  # up to base * 1024


def test_retry_after_wins_when_longer() -> None:
    policy = RetryPolicy(base_seconds=1, max_attempts=5, window_seconds=3600)
    assert 30 <= policy.delay(1, random.Random(0), retry_after=30) <= 45
    assert policy.delay(3, random.Random(0), retry_after=0.1) >= 0.1


@given(places=st.lists(st.integers(0, 10**6), min_size=2, max_size=50, unique=True))
def test_resumed_deliveries_come_due_in_order_at_the_resume_rate(places: list[int]) -> None:
    offsets = [resume_offset_seconds(p) for p in sorted(places)]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    assert resume_offset_seconds(0) == 0
    assert resume_offset_seconds(int(RESUMED_PER_SECOND) * 50) == pytest.approx(50)


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
    assert NOW <= retried.next_attempt_at <= NOW + timedelta(seconds=5)
    # Out of attempts, or past the window: failed.
    assert decide(Outcome.RETRY, 3, NOW, NOW, policy, rng).delivery_status == "failed"
    late = NOW + timedelta(seconds=3599)
    assert decide(Outcome.RETRY, 1, NOW, late, policy, rng).delivery_status == "failed"
    # A Retry-After longer than the backoff is honoured.
    slow = decide(Outcome.RETRY, 1, NOW, NOW, policy, rng, retry_after=120)
    assert slow.next_attempt_at is not None
    assert NOW + timedelta(seconds=120) <= slow.next_attempt_at <= NOW + timedelta(seconds=180)
