"""Phone number verification codes: send them, check them, lock out guessing.

A number has at most one code at a time (a new send replaces it). Codes are kept as digests;
the readable copy for the porting desk exists only with the sandbox sender, until verified.
A wrong code is refused and counted; at MAX_WRONG_CODES in a row that number is locked for
LOCK_DURATION. Other refusals change nothing at all.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from portin.delivery.code_sender import CodeMessage
from portin.domain import lifecycle
from portin.domain import verification_codes as rules
from portin.domain.errors import InvalidRequest, PortinError, RateLimited, TransitionRefused
from portin.domain.lifecycle import OrderStatus
from portin.domain.timefmt import iso
from portin.services.orders import require_order
from portin.storage import orders as order_store
from portin.storage import verification_codes as code_store
from portin.storage.models import PortingOrder, PortingVerificationCode


@dataclass(frozen=True)
class VerifyOutcome:
    """The codes verified, or the refusal to answer once the count of wrong codes (the one
    thing a refusal writes) is committed."""

    verified: list[PortingVerificationCode]
    refusal: PortinError | None = None


def orders_awaiting_codes(session: Session, order_ids: Sequence[str]) -> set[str]:
    """The orders whose additional_steps name phone_number_verification_codes."""
    return code_store.orders_awaiting_codes(session, order_ids, rules.TYPES_NEEDING_CODES)


def _open_order(session: Session, organization_id: str, order_id: str) -> PortingOrder:
    order = require_order(session, order_id, organization_id)
    if OrderStatus(order.status) in lifecycle.TERMINAL:
        raise TransitionRefused(
            f"The porting order is '{order.status}'; its numbers need no verification codes.",
            pointer="/status")
    return order


def _lift_ended_lock(row: PortingVerificationCode, now: datetime) -> None:
    if row.locked_until is not None and row.locked_until <= now:
        row.locked_until = None
        row.failed_attempts = 0


def _refuse_if_locked(row: PortingVerificationCode, now: datetime) -> None:
    if row.locked_until is not None and rules.is_locked(row.locked_until, now):
        wait = max(1, math.ceil((row.locked_until - now).total_seconds()))
        raise RateLimited(
            f"Too many wrong codes for {row.phone_number}: its verification is locked until"
            f" {iso(row.locked_until)}.", retry_after_seconds=wait)


def _numbers_named(raw: Sequence[str], on_order: dict[str, str], pointer: str,
                   field: str = "") -> list[str]:
    seen: set[str] = set()
    for index, number in enumerate(raw):
        where = f"{pointer}/{index}{field}"
        if number not in on_order:
            raise InvalidRequest(f"{number!r} is not a phone number of this porting order.",
                                 pointer=where)
        if number in seen:
            raise InvalidRequest(f"{number} is listed twice.", pointer=where)
        seen.add(number)
    return list(raw)


def send_codes(session: Session, organization_id: str, order_id: str,
               phone_numbers: Sequence[str] | None, method: str, keep_readable: bool,
               now: datetime) -> list[CodeMessage]:
    """New codes for the named numbers (or every number still needing one); the messages
    to hand to the sender once committed."""
    order = _open_order(session, organization_id, order_id)
    numbers = order_store.numbers_of(session, [order.id])[order.id]
    on_order = {n.phone_number: n.phone_number_type for n in numbers}
    existing = code_store.codes_by_number(session, order.id, organization_id)
    verified = {number for number, row in existing.items() if row.verified}
    if phone_numbers is None:
        targets = [n for n in rules.numbers_needing_codes(on_order.items()) if n not in verified]
        if not targets:
            raise InvalidRequest("No number of this porting order is waiting for a"
                                 " verification code; name the numbers to send one to.",
                                 pointer="/phone_numbers")
    else:
        if not phone_numbers:
            raise InvalidRequest("Name at least one phone number.", pointer="/phone_numbers")
        targets = _numbers_named(phone_numbers, on_order, "/phone_numbers")
        for index, number in enumerate(targets):
            if number in verified:
                raise InvalidRequest(f"{number} is already verified.",
                                     pointer=f"/phone_numbers/{index}")
    for number in targets:
        if number in existing:
            _refuse_if_locked(existing[number], now)
    messages = []
    for number in targets:
        code = rules.new_code()
        row = existing.get(number)
        if row is None:
            row = PortingVerificationCode(
                id=str(uuid.uuid4()), organization_id=organization_id,
                porting_order_id=order.id, phone_number=number, failed_attempts=0,
                locked_until=None, created_at=now)
            session.add(row)
        _lift_ended_lock(row, now)
        row.verification_method = method
        row.code_digest = rules.digest(order.id, number, code)
        row.sandbox_code = code if keep_readable else None
        row.verified = False
        row.expires_at = now + rules.CODE_TTL
        row.updated_at = now
        messages.append(CodeMessage(order.id, number, method, code))
    session.flush()
    return messages


def verify_codes(session: Session, organization_id: str, order_id: str,
                 entries: Sequence[tuple[str, str]], now: datetime) -> VerifyOutcome:
    """Verify (phone_number, code) pairs: all of them, or none."""
    order = _open_order(session, organization_id, order_id)
    if not entries:
        raise InvalidRequest("Give at least one phone number and its code.",
                             pointer="/verification_codes")
    numbers = order_store.numbers_of(session, [order.id])[order.id]
    on_order = {n.phone_number: n.phone_number_type for n in numbers}
    _numbers_named([number for number, _ in entries], on_order, "/verification_codes",
                   "/phone_number")
    existing = code_store.codes_by_number(session, order.id, organization_id)
    rows = []
    for index, (number, _) in enumerate(entries):
        row = existing.get(number)
        if row is None:
            raise InvalidRequest(f"No verification code was sent to {number}; send one first.",
                                 pointer=f"/verification_codes/{index}/phone_number")
        _refuse_if_locked(row, now)
        if not row.verified and row.expires_at <= now:
            raise InvalidRequest(f"The code sent to {number} expired at {iso(row.expires_at)};"
                                 " send a new one.",
                                 pointer=f"/verification_codes/{index}/code")
        rows.append(row)
    pairs = enumerate(zip(rows, entries, strict=True))
    wrong = [(index, row) for index, (row, (number, code)) in pairs
             if not rules.matches(row.code_digest, order.id, number, code)]
    if wrong:
        return VerifyOutcome([], _count_wrong(session, wrong, now))
    for row in rows:
        if not row.verified:
            row.verified = True
            row.sandbox_code = None  # no longer needed by anyone
            row.updated_at = now
        row.failed_attempts = 0
        row.locked_until = None
    session.flush()
    return VerifyOutcome(rows)


def _count_wrong(session: Session, wrong: list[tuple[int, PortingVerificationCode]],
                 now: datetime) -> PortinError:
    """Count each wrong code against its number; a number at the limit is locked (429, which
    outranks the plain refusal of a wrong code, 422)."""
    locked = None
    for _, row in wrong:
        _lift_ended_lock(row, now)
        row.failed_attempts += 1
        if row.failed_attempts >= rules.MAX_WRONG_CODES:
            row.locked_until = now + rules.LOCK_DURATION
            locked = locked or row
    session.flush()
    if locked is not None and locked.locked_until is not None:
        return RateLimited(
            f"Too many wrong codes for {locked.phone_number}: its verification is locked"
            f" until {iso(locked.locked_until)}.",
            retry_after_seconds=int(rules.LOCK_DURATION.total_seconds()))
    index, row = wrong[0]
    left = rules.MAX_WRONG_CODES - row.failed_attempts
    minutes = int(rules.LOCK_DURATION.total_seconds()) // 60
    return InvalidRequest(
        f"The code for {row.phone_number} is wrong; {left} more wrong code{'s' if left > 1 else ''}"
        f" in a row lock its verification for {minutes} minutes.",
        pointer=f"/verification_codes/{index}/code")
