"""The health of a destination, attempt by attempt (domain/endpoint_health.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portin.domain import endpoint_health as health
from portin.domain.endpoint_health import Alert, Attempted, DisabledReason, Health, State

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RULES = health.Rules(disable_after_seconds=3600, alert_after_failures=3)


def failed(minutes: float, *codes: int) -> Attempted:
    return Attempted(False, T0 + timedelta(minutes=minutes), f"HTTP {codes[0]}" if codes
                     else "ConnectionRefused", codes)


def succeeded(minutes: float) -> Attempted:
    return Attempted(True, T0 + timedelta(minutes=minutes))


def test_failing_alerts_once_at_the_threshold_and_recovery_is_told() -> None:
    moved = health.after(Health(), [failed(0), failed(1)], RULES)
    assert moved.health.state == State.FAILING and moved.alerts == ()
    assert moved.health.failing_since == T0 and moved.health.consecutive_failures == 2
    moved = health.after(moved.health, [failed(2), failed(3), failed(4)], RULES)
    assert moved.alerts == (Alert.FAILING,)
    moved = health.after(moved.health, [succeeded(5)], RULES)
    assert moved.alerts == (Alert.RECOVERED,)
    assert moved.health == Health(last_success_at=T0 + timedelta(minutes=5))


def test_a_short_failing_spell_recovers_without_a_word() -> None:
    moved = health.after(Health(), [failed(0), succeeded(1)], RULES)
    assert moved.alerts == () and moved.health.state == State.HEALTHY


def test_410_disables_at_once() -> None:
    moved = health.after(Health(), [failed(0, 410)], RULES)
    assert moved.health.state == State.DISABLED
    assert moved.health.disabled_reason == DisabledReason.GONE
    assert moved.alerts == (Alert.DISABLED,)
    assert moved.disabled_now(Health())


def test_failing_without_a_break_for_the_limit_disables() -> None:
    moved = health.after(Health(), [failed(0, 503), failed(59, 503)], RULES)
    assert moved.health.state == State.FAILING
    moved = health.after(moved.health, [failed(60, 503)], RULES)
    assert moved.health.state == State.DISABLED
    assert moved.health.disabled_reason == DisabledReason.FAILING_TOO_LONG
    assert moved.alerts == (Alert.DISABLED,)


def test_a_success_between_failures_starts_the_clock_again() -> None:
    moved = health.after(Health(), [failed(0), failed(50), succeeded(55), failed(70)], RULES)
    assert moved.health.state == State.FAILING
    assert moved.health.failing_since == T0 + timedelta(minutes=70)


def test_disabled_is_sticky_until_enabled_by_hand() -> None:
    disabled = health.disabled_by_user(Health(), T0)
    moved = health.after(disabled, [succeeded(1), failed(2, 410)], RULES)
    assert moved.health == disabled and moved.alerts == ()
    assert health.enabled(disabled).state == State.HEALTHY


def test_destination_ids_are_stable_and_distinct() -> None:
    one = health.destination_id("org", "webhook", "https://a.example/hook")
    assert one == health.destination_id("org", "webhook", "https://a.example/hook")
    assert one != health.destination_id("org2", "webhook", "https://a.example/hook")
    assert one != health.destination_id("org", "email", "https://a.example/hook")


def test_successes_alone_move_as_one_by_one_would() -> None:
    for before in (Health(), health.after(Health(), [failed(0)], RULES).health,
                   health.after(Health(), [failed(n) for n in range(3)], RULES).health,
                   health.disabled_by_user(Health(), T0)):
        one_by_one = health.after(before, [succeeded(7), succeeded(8)], RULES)
        assert health.after_successes(before, T0 + timedelta(minutes=8)) == one_by_one
