"""Which webhook signing key signs at a moment, when a rotation switches, and the worker's
copy of the keys picking by time."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from nacl.signing import SigningKey

from portin.delivery.key_cache import SigningKeyCache
from portin.domain import signing_keys as rules
from portin.domain.errors import Conflict, InvalidRequest

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Key:
    name: str
    valid_from: datetime


FIRST = Key("first", NOW - timedelta(days=30))
SECOND = Key("second", NOW - timedelta(days=1))
THIRD = Key("third", NOW + timedelta(hours=24))


def test_the_latest_key_already_valid_is_current_and_the_earliest_later_one_is_next() -> None:
    keys = [THIRD, FIRST, SECOND]  # order does not matter
    assert rules.current(keys, NOW) == SECOND
    assert rules.upcoming(keys, NOW) == THIRD
    assert rules.current(keys, THIRD.valid_from - timedelta(microseconds=1)) == SECOND
    assert rules.current(keys, THIRD.valid_from) == THIRD  # the switch itself belongs to it
    assert rules.upcoming(keys, THIRD.valid_from) is None
    assert rules.current(keys, FIRST.valid_from - timedelta(seconds=1)) is None
    assert rules.current([], NOW) is None and rules.upcoming([], NOW) is None


def switch(**kwargs: object) -> datetime:
    options: dict[str, object] = {"immediately": False, "switch_at": None,
                                  "announce_seconds": None}
    options.update(kwargs)
    return rules.switch_time(NOW, default_announce_seconds=86_400, **options)  # type: ignore[arg-type]


def test_a_switch_is_announced_ahead_by_default_or_as_asked() -> None:
    assert switch() == NOW + timedelta(hours=24)
    assert switch(announce_seconds=60) == NOW + timedelta(seconds=60)
    assert switch(immediately=True) == NOW + timedelta(seconds=rules.MIN_NOTICE_SECONDS)
    at = NOW + timedelta(hours=2)
    assert switch(switch_at=at) == at


@pytest.mark.parametrize("kwargs", [
    {"immediately": True, "switch_at": NOW + timedelta(hours=1)},
    {"immediately": True, "announce_seconds": 60},
    {"switch_at": NOW + timedelta(hours=1), "announce_seconds": 60},
    {"switch_at": NOW},  # sooner than every worker can know
    {"switch_at": NOW - timedelta(days=1)},
    {"switch_at": NOW + timedelta(days=31)},
    {"announce_seconds": 1},
    {"announce_seconds": 31 * 86_400},
])
def test_impossible_switches_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        switch(**kwargs)


def test_one_rotation_at_a_time() -> None:
    rules.check_rotatable([FIRST, SECOND], NOW)  # nothing announced: fine
    with pytest.raises(Conflict, match="already announced"):
        rules.check_rotatable([FIRST, SECOND, THIRD], NOW)
    rules.check_rotatable([FIRST, SECOND, THIRD], THIRD.valid_from)  # switched: fine again


def _seed(key: SigningKey) -> str:
    return base64.b64encode(bytes(key)).decode()


def test_the_worker_copy_signs_with_the_key_current_at_each_send_without_a_read() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    switch_at = NOW + timedelta(seconds=3)
    cache = SigningKeyCache(max_age_seconds=1)
    assert cache.stale("org", NOW)  # never read
    cache.put("org", [(_seed(old), NOW - timedelta(days=1)), (_seed(new), switch_at)], NOW)
    assert not cache.stale("org", NOW + timedelta(milliseconds=999))
    assert cache.stale("org", NOW + timedelta(seconds=1))  # read again: a rotation may be new
    assert bytes(cache.key_at("org", switch_at - timedelta(microseconds=1))) == bytes(old)
    assert bytes(cache.key_at("org", switch_at)) == bytes(new)
    assert bytes(cache.key_at("org", switch_at + timedelta(days=9))) == bytes(new)
    # A clock stepped back before every key read: the oldest one, never an error.
    assert bytes(cache.key_at("org", NOW - timedelta(days=2))) == bytes(old)
