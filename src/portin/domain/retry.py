"""When to try a delivery again, and when to give up. Pure: callers pass the numbers in."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

RETRIED_STATUSES = frozenset({408, 429})


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAIL = "fail"


def classify(http_status: int | None) -> Outcome:
    """A 2xx is success; connection errors and timeouts (no status), 408, 429 and 5xx are tried
    again; any other answer (a 410, a 400...) fails the delivery at once."""
    if http_status is None:
        return Outcome.RETRY
    if 200 <= http_status < 300:
        return Outcome.DELIVERED
    if http_status in RETRIED_STATUSES or http_status >= 500:
        return Outcome.RETRY
    return Outcome.FAIL


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float
    max_attempts: int
    window_seconds: float

    def delay(self, attempts_made: int, rng: random.Random,
              retry_after: float | None = None) -> float:
        """Seconds before the next attempt after `attempts_made` attempts.

        Exponential backoff, jittered over a whole step: anywhere from half to one and a half
        times base * 2^(n-1), uniformly. Deliveries that failed together (a receiver went
        down under a burst) come due spread over an interval as wide as the step itself, and
        stay spread at every retry after, so a receiver that returns meets a stream, not a
        wave. Full jitter (0 to the step) spreads as wide, but a delivery could then use up
        its attempts in minutes: with the default 12 attempts 5 s apart, one in five would
        give up within the first hour of an outage. Here none gives up sooner than the sum of
        the half steps (about 1.4 hours with the defaults; 2.8 on average).

        A receiver's Retry-After (429) is honoured when it asks for longer, and spread after
        it too: a receiver that answers many deliveries with the same Retry-After would
        otherwise get them all back in the same second.
        """
        step = self.step(attempts_made)
        delay: float = rng.uniform(step / 2, step * 3 / 2)
        if retry_after is not None and retry_after > delay:
            delay = retry_after + rng.uniform(0, max(step, retry_after) / 2)
        return delay

    def step(self, attempts_made: int) -> float:
        """The backoff's middle after `attempts_made` attempts: base * 2^(n-1)."""
        return float(self.base_seconds * 2.0 ** (max(1, attempts_made) - 1))

    def next_attempt(self, attempts_made: int, first_created: datetime, now: datetime,
                     rng: random.Random, retry_after: float | None = None) -> datetime | None:
        """When to try again, or None when attempts or the retry window are used up."""
        if attempts_made >= self.max_attempts:
            return None
        due = now + timedelta(seconds=self.delay(attempts_made, rng, retry_after))
        if due > first_created + timedelta(seconds=self.window_seconds):
            return None
        return due


@dataclass(frozen=True, slots=True)
class Decision:
    """What one attempt leaves behind: the attempt's own status, the delivery's, and when it is
    tried next (pending only)."""

    attempt_status: str  # delivered or failed
    delivery_status: str  # delivered, pending or failed
    next_attempt_at: datetime | None


def decide(outcome: Outcome, attempts_made: int, first_created: datetime,
           finished_at: datetime, policy: RetryPolicy, rng: random.Random,
           retry_after: float | None = None) -> Decision:
    """The retry decision after attempt number `attempts_made` came to `outcome`."""
    if outcome == Outcome.DELIVERED:
        return Decision("delivered", "delivered", None)
    if outcome == Outcome.FAIL:
        return Decision("failed", "failed", None)
    next_at = policy.next_attempt(attempts_made, first_created, finished_at, rng, retry_after)
    return Decision("failed", "pending" if next_at is not None else "failed", next_at)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())
