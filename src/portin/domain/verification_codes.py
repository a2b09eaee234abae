"""Phone number verification codes: which numbers need one, what a code is, how long it
lives, and when too many wrong guesses lock a number. Pure: callers pass `now`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
# Five wrong codes in a row lock that number's verification for 15 minutes; a right code
# (or the end of the lock) starts the count again. Sending a new code does not.
MAX_WRONG_CODES = 5
LOCK_DURATION = timedelta(minutes=15)
METHODS = ("sms", "call")


# The rule: mobile numbers must prove, with a code sent to the handset, that the end user
# holds them; a landline's port is authorised by the LOA and the account details alone.
TYPES_NEEDING_CODES = frozenset({"mobile"})


def needs_code(phone_number_type: str) -> bool:
    return phone_number_type in TYPES_NEEDING_CODES


def numbers_needing_codes(numbers: Iterable[tuple[str, str]]) -> list[str]:
    """Of (phone_number, phone_number_type) pairs, the numbers that need a verified code."""
    return [number for number, kind in numbers if needs_code(kind)]


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def digest(order_id: str, phone_number: str, code: str) -> str:
    """What is kept to check a code: SHA-256 over the order, the number and the code."""
    return hashlib.sha256(f"{order_id}|{phone_number}|{code}".encode()).hexdigest()


def matches(stored_digest: str, order_id: str, phone_number: str, code: str) -> bool:
    return hmac.compare_digest(stored_digest, digest(order_id, phone_number, code))


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now
