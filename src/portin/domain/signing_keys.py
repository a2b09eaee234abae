"""Webhook signing key rotation: which key signs at a moment, and when a new one takes over.

An organization's keys form a sequence, each valid from its `valid_from` until the next one's.
The telnyx signature header carries one signature, so the overlap is an announcement: a
rotation makes the next key and says when it takes over; until then webhooks are signed with
the current key, from then on with the next one. Clients fetch both ahead and verify each
webhook with the key that was current when it was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from portin.domain.errors import Conflict, InvalidRequest
from portin.domain.timefmt import iso

DEFAULT_ANNOUNCE_SECONDS = 86_400
MAX_ANNOUNCE_SECONDS = 30 * 86_400
# A delivery worker re-reads an organization's keys once its copy is this old, so it learns
# of a rotation within this time of its commit.
WORKER_CACHE_SECONDS = 1.0
# The earliest switch: "immediately" means this soon, so that every worker knows the next
# key before its switch (its copy is at most WORKER_CACHE_SECONDS old; the rest is margin
# for the rotation's commit) and signs each webhook with the key current at its send.
MIN_NOTICE_SECONDS = 3


class Timed(Protocol):
    @property
    def valid_from(self) -> datetime: ...


Key = TypeVar("Key", bound=Timed)


def current(keys: Sequence[Key], now: datetime) -> Key | None:
    """The key that signs at `now`: the latest one already valid."""
    valid = [key for key in keys if key.valid_from <= now]
    return max(valid, key=lambda key: key.valid_from) if valid else None


def upcoming(keys: Sequence[Key], now: datetime) -> Key | None:
    """The announced key that takes over next, if any."""
    later = [key for key in keys if key.valid_from > now]
    return min(later, key=lambda key: key.valid_from) if later else None


def switch_time(now: datetime, *, immediately: bool, switch_at: datetime | None,
                announce_seconds: int | None, default_announce_seconds: int) -> datetime:
    """When a rotation asked for now takes over: at most one of the three ways of saying it;
    none means the default announcement."""
    given = [immediately, switch_at is not None, announce_seconds is not None]
    if sum(given) > 1:
        raise InvalidRequest("Give at most one of immediately, switch_at and"
                             " announce_seconds.")
    earliest = now + timedelta(seconds=MIN_NOTICE_SECONDS)
    if immediately:
        return earliest
    if switch_at is not None:
        if switch_at < earliest:
            raise InvalidRequest(f"switch_at must be at least {MIN_NOTICE_SECONDS} seconds"
                                 " from now (or ask for immediately).", pointer="/switch_at")
        if switch_at > now + timedelta(seconds=MAX_ANNOUNCE_SECONDS):
            raise InvalidRequest("switch_at must be within 30 days.", pointer="/switch_at")
        return switch_at
    seconds = default_announce_seconds if announce_seconds is None else announce_seconds
    if not MIN_NOTICE_SECONDS <= seconds <= MAX_ANNOUNCE_SECONDS:
        raise InvalidRequest(f"announce_seconds must be from {MIN_NOTICE_SECONDS} to"
                             f" {MAX_ANNOUNCE_SECONDS}.", pointer="/announce_seconds")
    return now + timedelta(seconds=seconds)


def check_rotatable(keys: Sequence[Key], now: datetime) -> None:
    """One rotation at a time: a key already announced and not yet current is a 409."""
    pending = upcoming(keys, now)
    if pending is not None:
        raise Conflict("A rotation is already announced: its key takes over at"
                       f" {iso(pending.valid_from)}. Rotate again after that.")
