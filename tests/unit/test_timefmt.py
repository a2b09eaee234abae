"""Times on the wire: ISO 8601 in UTC, with microseconds and a Z, as the seed's examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from portin.domain.timefmt import iso, iso_seconds


def test_iso_is_utc_with_microseconds_and_z() -> None:
    assert iso(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"
    five_hours_west = timezone(timedelta(hours=-5))
    assert iso(datetime(2026, 1, 2, 3, 4, 5, 123, tzinfo=five_hours_west)) == (
        "2026-01-02T08:04:05.000123Z")
    assert iso(datetime(2026, 1, 2, 23, 59, 59, 999999)) == "2026-01-02T23:59:59.999999Z"
    assert iso(None) is None


def test_iso_seconds_drops_the_fraction() -> None:
    assert iso_seconds(datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
