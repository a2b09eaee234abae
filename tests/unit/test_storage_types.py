"""portin's SQLite datetime writes the same text as SQLAlchemy's own, which reads it back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from portin.storage.types import UTCDateTime

DIALECT = sqlite.dialect()
OURS = UTCDateTime().dialect_impl(DIALECT)


@pytest.mark.parametrize("value", [
    datetime(2026, 11, 25, 8, 41, 49, 991842, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    datetime(999, 1, 1, tzinfo=UTC),
])
def test_sqlite_text_is_sqlalchemys_and_reads_back(value: datetime) -> None:
    written = OURS.bind_processor(DIALECT)(value)
    assert written == sqlite.DATETIME().bind_processor(DIALECT)(value.replace(tzinfo=None))
    read = OURS.result_processor(DIALECT, None)(written)
    assert read == value


def test_other_offsets_are_stored_as_utc() -> None:
    two_hours_east = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert OURS.bind_processor(DIALECT)(two_hours_east) == "2026-01-02 01:04:05.000000"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        OURS.bind_processor(DIALECT)(datetime(2026, 1, 2))
