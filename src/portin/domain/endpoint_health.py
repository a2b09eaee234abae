"""The health of one destination (a webhook URL, an email address), moved on by the outcome of
each attempt sent to it. Pure: callers pass the state, the attempts and the rules in.

A destination is healthy until an attempt fails; then failing, until one succeeds. One that
has failed without a break for `disable_after_seconds`, or that answered 410 Gone, is disabled:
its deliveries are kept, paused, until someone enables it again. Only a person enables a
disabled destination: an attempt that was in flight when it was disabled changes nothing.

The organization is told three times (`Alert`): when the failing has gone on for
`alert_after_failures` attempts in a row, when the destination is disabled, and when it
recovers after such an alert.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

GONE = 410


class State(enum.StrEnum):
    HEALTHY = "healthy"
    FAILING = "failing"
    DISABLED = "disabled"


class Alert(enum.StrEnum):
    FAILING = "failing"
    DISABLED = "disabled"
    RECOVERED = "recovered"


class DisabledReason(enum.StrEnum):
    FAILING_TOO_LONG = "failing_too_long"
    GONE = "gone"
    BY_USER = "by_user"


@dataclass(frozen=True)
class Rules:
    disable_after_seconds: float
    alert_after_failures: int


@dataclass(frozen=True, slots=True)
class Attempted:
    """What one attempt to the destination came to."""

    succeeded: bool
    finished_at: datetime
    error: str | None = None
    # The answer's HTTP status or SMTP code, when there was one.
    codes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Health:
    state: State = State.HEALTHY
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    last_error: str | None = None
    last_failure_at: datetime | None = None
    last_success_at: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: DisabledReason | None = None
    # The organization was told it is failing (or disabled): a recovery is then worth telling.
    alerted: bool = False


@dataclass(frozen=True)
class Moved:
    health: Health
    alerts: tuple[Alert, ...]

    def disabled_now(self, before: Health) -> bool:
        return self.health.state == State.DISABLED and before.state != State.DISABLED


def after(health: Health, attempts: Iterable[Attempted], rules: Rules) -> Moved:
    """The health after `attempts` (oldest first), and what the organization must be told."""
    alerts: list[Alert] = []
    for attempt in attempts:
        health, alert = _after_one(health, attempt, rules)
        if alert is not None:
            alerts.append(alert)
    return Moved(health, tuple(alerts))


def after_successes(health: Health, last_finished_at: datetime) -> Moved:
    """`after` for attempts that all succeeded, without a record per attempt: the worker's
    usual batch."""
    if health.state == State.DISABLED:
        return Moved(health, ())
    recovered = health.state == State.FAILING and health.alerted
    return Moved(Health(last_success_at=last_finished_at),
                 (Alert.RECOVERED,) if recovered else ())


def _after_one(health: Health, attempt: Attempted, rules: Rules
               ) -> tuple[Health, Alert | None]:
    if health.state == State.DISABLED:
        return health, None  # sticky: only enabling by hand brings it back
    if attempt.succeeded:
        recovered = health.state == State.FAILING and health.alerted
        return Health(last_success_at=attempt.finished_at), (
            Alert.RECOVERED if recovered else None)
    failures = health.consecutive_failures + 1
    since = health.failing_since or attempt.finished_at
    failing = replace(health, state=State.FAILING, consecutive_failures=failures,
                      failing_since=since, last_error=attempt.error,
                      last_failure_at=attempt.finished_at)
    if GONE in attempt.codes:
        return _disabled(failing, attempt.finished_at, DisabledReason.GONE), Alert.DISABLED
    if (attempt.finished_at - since).total_seconds() >= rules.disable_after_seconds:
        return (_disabled(failing, attempt.finished_at, DisabledReason.FAILING_TOO_LONG),
                Alert.DISABLED)
    if failures == rules.alert_after_failures and not health.alerted:
        return replace(failing, alerted=True), Alert.FAILING
    return failing, None


def _disabled(health: Health, at: datetime, reason: DisabledReason) -> Health:
    return replace(health, state=State.DISABLED, disabled_at=at, disabled_reason=reason,
                   alerted=True)


def disabled_by_user(health: Health, at: datetime) -> Health:
    return replace(health, state=State.DISABLED, disabled_at=at,
                   disabled_reason=DisabledReason.BY_USER)


# A destination enabled again gets its waiting deliveries back one after another at this rate,
# oldest first, not all due in the same instant: about the ceiling of one worker process
# sending to one receiver (`bench/delivery.py`: 3,000-4,000 a second on loopback, portin
# itself 1,600-2,400), so the spread does not slow the drain, yet 100,000 of them come due
# over half a minute, not at once.
RESUMED_PER_SECOND = 3000.0


def resume_offset_seconds(place: int) -> float:
    """When the `place`-th (0 first, oldest first) resumed delivery is due, after the enable."""
    return max(0, place) / RESUMED_PER_SECOND


def enabled(health: Health) -> Health:
    """Enabled by hand: healthy, its failures forgotten (its history stays in the log)."""
    return Health(last_success_at=health.last_success_at)


_NAMESPACE = uuid.UUID("8f1d3c52-7a0e-4c39-9b6e-3f6d2b1e5a40")


def destination_id(organization_id: str, method: str, destination: str) -> str:
    """A destination's id, the same wherever it is computed: the worker names the health rows
    it moves without reading them first, and a destination seen again gets the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{organization_id}\n{method}\n{destination}"))
