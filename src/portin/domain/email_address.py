"""What an email channel destination may be: one plain address."""

from __future__ import annotations

import re

from portin.domain.errors import InvalidRequest

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                      r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def validate_email(address: str, pointer: str) -> str:
    candidate = address.strip()
    if len(candidate) > 254 or not _ADDRESS.match(candidate):
        raise InvalidRequest(f"{address!r} is not an email address.", pointer=pointer)
    return candidate
