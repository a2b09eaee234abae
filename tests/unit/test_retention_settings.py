"""The retention settings: whole positive days, read from PORTIN_* variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from portin.config import Settings


def test_defaults_keep_deliveries_30_days_and_events_for_ever(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTIN_DELIVERY_RETENTION_DAYS", raising=False)
    monkeypatch.delenv("PORTIN_EVENT_RETENTION_DAYS", raising=False)
    settings = Settings()
    assert settings.delivery_retention_days == 30
    assert settings.event_retention_days is None


def test_the_environment_sets_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTIN_DELIVERY_RETENTION_DAYS", "7")
    monkeypatch.setenv("PORTIN_EVENT_RETENTION_DAYS", "365")
    monkeypatch.setenv("PORTIN_RETENTION_INTERVAL_SECONDS", "60")
    settings = Settings()
    assert (settings.delivery_retention_days, settings.event_retention_days) == (7, 365)
    assert settings.retention_interval_seconds == 60
    monkeypatch.setenv("PORTIN_EVENT_RETENTION_DAYS", " ")
    assert Settings().event_retention_days is None


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "thirty", ""])
def test_a_delivery_retention_that_is_not_a_positive_whole_number_is_refused(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PORTIN_DELIVERY_RETENTION_DAYS", value)
    with pytest.raises(ValidationError, match="delivery_retention_days"):
        Settings()


@pytest.mark.parametrize("value", ["0", "-5", "forever"])
def test_an_event_retention_that_is_not_a_positive_whole_number_is_refused(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PORTIN_EVENT_RETENTION_DAYS", value)
    with pytest.raises(ValidationError, match="event_retention_days"):
        Settings()


@pytest.mark.parametrize("value", ["0", "-1", "100000"])
def test_a_retention_interval_out_of_range_is_refused(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PORTIN_RETENTION_INTERVAL_SECONDS", value)
    with pytest.raises(ValidationError, match="retention_interval_seconds"):
        Settings()
