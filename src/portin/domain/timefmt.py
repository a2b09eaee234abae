"""Times: always timezone-aware UTC inside portin, ISO 8601 with a 'Z' on the wire."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with microseconds and 'Z', as the seed's `occurred_at` values."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    # isoformat is C and much cheaper than strftime; it writes the same text.
    return value.isoformat(timespec="microseconds") + "Z"


def iso_seconds(value: datetime) -> str:
    """ISO 8601 to the second, as the seed's comment `inserted_at`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
