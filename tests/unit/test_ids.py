"""Row ids: version 7 UUIDs, whose leading bits are the time, so ids made later sort later."""

from __future__ import annotations

import time
import uuid

from portin.domain.ids import new_id


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
