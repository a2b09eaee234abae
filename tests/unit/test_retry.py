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
def test_jitter_stays_within_half_and_one_and_a_half_steps(base: float, attempts: int,
                                                           seed: int) -> None:
    policy = RetryPolicy(base_seconds=base, max_attempts=12, window_seconds=10**9)
    rng = random.Random(seed)
    step = base * 2 ** (attempts - 1)
    for _ in range(20):
        assert step / 2 <= policy.delay(attempts, rng) <= step * 1.5


@given(retry_after=st.floats(0.5, 3600), attempts=st.integers(1, 12),
       seed=st.integers(0, 2**32))
def test_retry_after_is_honoured_and_spread_after_it(retry_after: float, attempts: int,
                                                     seed: int) -> None:
    policy = RetryPolicy(base_seconds=5, max_attempts=12, window_seconds=10**9)
    rng = random.Random(seed)
    step = 5 * 2 ** (attempts - 1)
    for _ in range(20):
        delay = policy.delay(attempts, rng, retry_after)
        assert retry_after <= delay <= max(step * 1.5, retry_after + max(step, retry_after) / 2)


@settings(max_examples=20, deadline=None)
@given(base=st.sampled_from([1.0, 5.0, 30.0]), attempts=st.integers(1, 6),
       seed=st.integers(0, 2**32))
def test_deliveries_failed_in_the_same_second_come_due_spread(base: float, attempts: int,
                                                              seed: int) -> None:
    """10,000 deliveries whose attempt failed in the same second (a receiver went down under
    a burst) come due over as many seconds as the backoff step is long, none holding a
    crowd: half-fixed ("equal") jitter would fill only half as many, twice as thick."""
    policy = RetryPolicy(base_seconds=base, max_attempts=12, window_seconds=10**9)
    rng = random.Random(seed)
    step = base * 2 ** (attempts - 1)
    failed_at = NOW.timestamp()  # a whole second
    per_second = Counter(int(failed_at + rng.random() + policy.delay(attempts, rng))
                         for _ in range(10_000))
    # At least 10 per second on average here (the step is at most 960 s): every second of
    # the interval gets some, and none more than a few times its share.
    assert len(per_second) >= int(step)
    assert max(per_second.values()) <= 3 * 10_000 / step + 20


@given(seed=st.integers(0, 2**32))
def test_no_delivery_gives_up_sooner_than_the_half_steps(seed: int) -> None:
    """A receiver down for an hour loses nothing: 12 attempts take at least 1.4 hours."""
    policy = RetryPolicy(base_seconds=5, max_attempts=12, window_seconds=86_400)
    rng = random.Random(seed)
    waited = sum(policy.delay(n, rng) for n in range(1, 12))
    assert waited >= 5 * (2 ** 11 - 1) / 2 > 5000


def test_retry_after_wins_when_longer() -> None:
    policy = RetryPolicy(base_seconds=1, max_attempts=5, window_seconds=3600)
    assert 30 <= policy.delay(1, random.Random(0), retry_after=30) <= 45
    assert policy.delay(3, random.Random(0), retry_after=0.1) >= 2


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
    assert NOW + timedelta(seconds=2.5) <= retried.next_attempt_at <= NOW + timedelta(seconds=7.5)
    # Out of attempts, or past the window: failed.
    assert decide(Outcome.RETRY, 3, NOW, NOW, policy, rng).delivery_status == "failed"
    late = NOW + timedelta(seconds=3599)
    assert decide(Outcome.RETRY, 1, NOW, late, policy, rng).delivery_status == "failed"
    # A Retry-After longer than the backoff is honoured.
    slow = decide(Outcome.RETRY, 1, NOW, NOW, policy, rng, retry_after=120)
    assert slow.next_attempt_at is not None
    assert NOW + timedelta(seconds=120) <= slow.next_attempt_at <= NOW + timedelta(seconds=180)
