"""The worker's copy of the organizations' webhook signing keys, with their validity.

For each organization it holds the key that was current when it was read and any key
announced after it, each with its `valid_from`; at send, the key current at that moment is
picked by time (domain/signing_keys.py), so a switch the copy knows of needs no read. A copy
older than `WORKER_CACHE_SECONDS` is read again at the next claim: every rotation switches at
least `MIN_NOTICE_SECONDS` after it is made, so the worker learns of each new key before it
takes over, without a database read per send.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

from nacl.signing import SigningKey

from portin.domain import signing_keys as rules


@dataclass(frozen=True, slots=True)
class _Key:
    valid_from: datetime
    key: SigningKey


@dataclass(frozen=True, slots=True)
class _Copy:
    keys: list[_Key]
    read_at: datetime


class SigningKeyCache:
    def __init__(self, max_age_seconds: float = rules.WORKER_CACHE_SECONDS) -> None:
        self._max_age = timedelta(seconds=max_age_seconds)
        self._copies: dict[str, _Copy] = {}

    def stale(self, organization_id: str, now: datetime) -> bool:
        """True when the organization's keys must be read (again) before signing for it."""
        copy = self._copies.get(organization_id)
        return copy is None or not copy.keys or now - copy.read_at >= self._max_age

    def put(self, organization_id: str, rows: list[tuple[str, datetime]],
            read_at: datetime) -> None:
        """The keys as read at `read_at`: (seed, valid_from) of the current and later ones."""
        self._copies[organization_id] = _Copy(
            [_Key(valid_from, SigningKey(base64.b64decode(seed))) for seed, valid_from in rows],
            read_at)

    def key_at(self, organization_id: str, now: datetime) -> SigningKey:
        """The key that signs for the organization at `now`."""
        keys = self._copies[organization_id].keys
        chosen = rules.current(keys, now)
        # Earlier than every key read (a clock stepped back): the oldest one was current.
        return (chosen or keys[0]).key
