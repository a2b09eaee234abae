"""New row ids: UUIDs whose first 48 bits are the time in milliseconds (RFC 9562, version 7).

Still UUIDs to every client, but ids made close in time sort close together, so the rows and
index entries a burst writes land in the same few B-tree pages instead of one random page each:
fewer pages written per commit, on SQLite's WAL and PostgreSQL's alike (`bench/claim_record.py`).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def new_id() -> str:
    milliseconds = time.time_ns() // 1_000_000
    value = (milliseconds << 80) | int.from_bytes(os.urandom(10), "big")
    # Version 7 in bits 48-51, the RFC's variant (0b10) in bits 64-65.
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    digits = f"{value:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def lowest_id_at(moment: datetime) -> str:
    """The smallest id text a row made at `moment` (or later) can have: every id made earlier
    sorts below it, every id made then or later at or above it (hex digits, lower case, the
    hyphens in the same places). PostgreSQL's monthly partitions are bounded by these."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    milliseconds = (moment - _EPOCH) // _MILLISECOND
    digits = f"{milliseconds:012x}"
    return f"{digits[:8]}-{digits[8:]}-0000-0000-000000000000"


def id_time(id_text: str) -> datetime:
    """When a version 7 id was made (to the millisecond)."""
    return _EPOCH + int(id_text[:8] + id_text[9:13], 16) * _MILLISECOND
