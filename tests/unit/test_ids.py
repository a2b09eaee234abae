"""Row ids: version 7 UUIDs, whose leading bits are the time, so ids made later sort later."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from portin.domain.ids import id_time, lowest_id_at, new_id


def test_an_id_is_a_version_7_uuid_that_starts_with_the_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    parsed = uuid.UUID(new_id())
    after = time.time_ns() // 1_000_000
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert before <= parsed.int >> 80 <= after
    assert str(parsed) == str(parsed).lower()


def test_ids_of_different_milliseconds_sort_by_time_and_never_repeat() -> None:
    first = [new_id() for _ in range(1000)]
    time.sleep(0.002)
    second = [new_id() for _ in range(1000)]
    assert max(first) < min(second)
    assert len(set(first + second)) == 2000


def test_the_lowest_id_of_a_moment_bounds_the_ids_made_before_and_after_it() -> None:
    """The bounds of PostgreSQL's monthly partitions (storage/partitions.py)."""
    bound_at = datetime.now(UTC)
    bound = lowest_id_at(bound_at)
    before = [new_id() for _ in range(100)]
    time.sleep(0.002)
    later = lowest_id_at(datetime.now(UTC))
    after = [new_id() for _ in range(100)]
    assert max(before) < later <= min(after)
    assert bound <= min(before) and len(bound) == 36
    assert abs(id_time(after[0]) - datetime.now(UTC)) < timedelta(seconds=1)
    assert id_time(lowest_id_at(datetime(2026, 12, 1, tzinfo=UTC))) == datetime(
        2026, 12, 1, tzinfo=UTC)
    assert lowest_id_at(datetime(2026, 12, 1)) == lowest_id_at(datetime(2026, 12, 1, tzinfo=UTC))
