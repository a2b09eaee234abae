"""An order's number ranges: phone number blocks, extensions and associated numbers, and the
user bundles its numbers are configured with.

Every change needs the order editable (draft or exception, as for PATCH) and touches the
order's `updated_at`, so its optimistic version serializes two changes racing on one order
(the loser answers 409), and the overlap checks below see every committed range.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain import lifecycle
from portin.domain import number_ranges as rules
from portin.domain.errors import InvalidRequest, NotFound, TransitionRefused
from portin.domain.ids import new_id
from portin.domain.lifecycle import OrderStatus
from portin.domain.number_ranges import Span
from portin.storage import number_ranges as store
from portin.storage.models import (
    PortingAssociatedPhoneNumber,
    PortingOrder,
    PortingPhoneNumberBlock,
    PortingPhoneNumberConfiguration,
    PortingPhoneNumberExtension,
)

Pair = tuple[str, str]
IntPair = tuple[int, int]


def check_editable(order: PortingOrder) -> None:
    if OrderStatus(order.status) not in lifecycle.EDITABLE:
        raise TransitionRefused(
            f"The porting order is '{order.status}': its number ranges can be changed only"
            " while it is a draft or in exception.", pointer="/status")


def _touch(session: Session, order: PortingOrder, now: datetime) -> None:
    order.updated_at = now
    session.flush()


def _taken_spans(session: Session, order_id: str) -> list[tuple[str, Span]]:
    """The number ranges the order already holds: blocks and associated numbers."""
    taken: list[tuple[str, Span]] = []
    for block in store.ranges_of(session, PortingPhoneNumberBlock, order_id):
        taken.append((f"phone number block {block.id} ({block.start_at} to {block.end_at})",
                      Span(block.start_value, block.end_value)))
    for assoc in store.ranges_of(session, PortingAssociatedPhoneNumber, order_id):
        taken.append((f"associated phone number {assoc.id}"
                      f" ({assoc.start_at} to {assoc.end_at})",
                      Span(assoc.start_value, assoc.end_value)))
    return taken


def create_block(session: Session, order: PortingOrder, phone_number_range: Pair,
                 activation_ranges: list[Pair], now: datetime) -> PortingPhoneNumberBlock:
    """A block: its first and last numbers are numbers of the order; its activation ranges
    lie inside it; it overlaps no other block or associated range of the order."""
    check_editable(order)
    number_range = rules.number_range(*phone_number_range, pointer="/phone_number_range")
    on_order = store.numbers_on_order(session, order.id,
                                      [number_range.start_at, number_range.end_at])
    for key, number in (("start_at", number_range.start_at), ("end_at", number_range.end_at)):
        if number not in on_order:
            raise InvalidRequest(
                f"{number} is not a phone number of this porting order; a block's first and"
                " last numbers must be on the order.", pointer=f"/phone_number_range/{key}")
    spans = [rules.activation_span(start, end, f"/activation_ranges/{index}")
             for index, (start, end) in enumerate(activation_ranges)]
    rules.check_activation_ranges(number_range.span, spans)
    rules.check_no_overlap(number_range.span, _taken_spans(session, order.id),
                           "/phone_number_range")
    block = PortingPhoneNumberBlock(
        id=new_id(), organization_id=order.organization_id, porting_order_id=order.id,
        start_at=number_range.start_at, end_at=number_range.end_at,
        start_value=number_range.span.start, end_value=number_range.span.end,
        country_code=number_range.country_code,
        phone_number_type=number_range.phone_number_type,
        activation_ranges=[{"start_at": s, "end_at": e} for s, e in activation_ranges],
        created_at=now, updated_at=now)
    session.add(block)
    _touch(session, order, now)
    return block


def create_extension(session: Session, order: PortingOrder, porting_phone_number_id: str,
                     extension_range: IntPair, activation_ranges: list[IntPair],
                     now: datetime) -> PortingPhoneNumberExtension:
    """Extensions behind one number of this order; they overlap no other extensions of it."""
    check_editable(order)
    found = store.live_number(session, porting_phone_number_id, order.organization_id)
    if found is None or found[1].id != order.id:
        raise InvalidRequest(
            f"{porting_phone_number_id} is not a porting phone number of this order.",
            pointer="/porting_phone_number_id")
    span = rules.extension_range(*extension_range, pointer="/extension_range")
    activation = [Span(start, end) for start, end in activation_ranges]
    for index, (start, end) in enumerate(activation_ranges):
        rules.extension_range(start, end, pointer=f"/activation_ranges/{index}")
    rules.check_activation_ranges(span, activation)
    others = [(f"extension range {ext.id} ({ext.start_at} to {ext.end_at})",
               Span(ext.start_at, ext.end_at))
              for ext in store.ranges_of(session, PortingPhoneNumberExtension, order.id)
              if ext.porting_phone_number_id == porting_phone_number_id]
    rules.check_no_overlap(span, others, "/extension_range")
    extension = PortingPhoneNumberExtension(
        id=new_id(), organization_id=order.organization_id, porting_order_id=order.id,
        porting_phone_number_id=porting_phone_number_id, start_at=span.start,
        end_at=span.end,
        activation_ranges=[{"start_at": s, "end_at": e} for s, e in activation_ranges],
        created_at=now, updated_at=now)
    session.add(extension)
    _touch(session, order, now)
    return extension


def create_associated(session: Session, order: PortingOrder, action: str,
                      phone_number_range: tuple[str | None, str | None], now: datetime
                      ) -> PortingAssociatedPhoneNumber:
    """Numbers of the account that stay behind in a partial UK port: not numbers of the
    order, in the United Kingdom, overlapping no block or other associated range."""
    check_editable(order)
    countries = store.countries_of(session, [order.id]).get(order.id, set())
    if order.misc_type != "partial" or rules.ASSOCIATED_COUNTRY not in countries:
        raise InvalidRequest(
            "Associated phone numbers belong to partial ports of United Kingdom numbers:"
            " set misc.type to partial on an order with GB numbers first.", pointer="/action")
    start, end = phone_number_range
    if start is None and end is None:
        raise InvalidRequest("phone_number_range needs start_at and end_at.",
                             pointer="/phone_number_range")
    number_range = rules.number_range(start or end or "", end or start or "",
                                      pointer="/phone_number_range")
    if number_range.country_code != rules.ASSOCIATED_COUNTRY:
        raise InvalidRequest(
            f"{number_range.start_at} is not a United Kingdom number.",
            pointer="/phone_number_range/start_at")
    if number_range.phone_number_type not in rules.ASSOCIATED_TYPES:
        raise InvalidRequest(
            f"{number_range.start_at} is of a type ({number_range.phone_number_type}) that"
            " cannot be an associated number.", pointer="/phone_number_range/start_at")
    ported = store.order_numbers_between(session, order.id, number_range.start_at,
                                         number_range.end_at)
    if ported:
        raise InvalidRequest(
            f"{ported[0]} is being ported on this order, so it cannot also be an associated"
            " number.", pointer="/phone_number_range")
    rules.check_no_overlap(number_range.span, _taken_spans(session, order.id),
                           "/phone_number_range")
    assoc = PortingAssociatedPhoneNumber(
        id=new_id(), organization_id=order.organization_id, porting_order_id=order.id,
        action=action, start_at=number_range.start_at, end_at=number_range.end_at,
        start_value=number_range.span.start, end_value=number_range.span.end,
        country_code=number_range.country_code,
        phone_number_type=number_range.phone_number_type, created_at=now, updated_at=now)
    session.add(assoc)
    _touch(session, order, now)
    return assoc


RangeRow = PortingPhoneNumberBlock | PortingPhoneNumberExtension | PortingAssociatedPhoneNumber


def require_range(session: Session, model: type[store.Row], order: PortingOrder, row_id: str,
                  name: str) -> store.Row:
    row = store.get_range(session, model, order.id, row_id)
    if row is None:
        raise NotFound(f"The {name} {row_id} was not found on porting order {order.id}.")
    return row


def delete_range(session: Session, order: PortingOrder, row: RangeRow, now: datetime) -> None:
    check_editable(order)
    session.delete(row)
    _touch(session, order, now)


def move_extensions(session: Session, number_ids: list[str], target_order_id: str) -> None:
    """A split: extensions go with their number to the new order (blocks stay: a block is
    the order's, anchored on two of its numbers)."""
    for extension in store.extensions_of_numbers(session, number_ids):
        extension.porting_order_id = target_order_id


def create_configurations(session: Session, organization_id: str, items: list[Pair],
                          now: datetime) -> list[PortingPhoneNumberConfiguration]:
    """(porting_phone_number_id, user_bundle_id) pairs: all of them or none. Each number is
    the organization's, on an editable order, and configured once."""
    if not items:
        raise InvalidRequest("At least one phone number configuration is required.",
                             pointer="/phone_number_configurations")
    seen: set[str] = set()
    orders: dict[str, PortingOrder] = {}
    for index, (number_id, bundle_id) in enumerate(items):
        pointer = f"/phone_number_configurations/{index}"
        if number_id in seen:
            raise InvalidRequest(f"{number_id} is listed twice.",
                                 pointer=f"{pointer}/porting_phone_number_id")
        seen.add(number_id)
        try:
            uuid.UUID(bundle_id)
        except ValueError as exc:
            raise InvalidRequest(f"{bundle_id!r} is not a user bundle id (a UUID).",
                                 pointer=f"{pointer}/user_bundle_id") from exc
        found = store.live_number(session, number_id, organization_id)
        if found is None:
            raise InvalidRequest(f"{number_id} is not a porting phone number of yours.",
                                 pointer=f"{pointer}/porting_phone_number_id")
        check_editable(found[1])
        orders[found[1].id] = found[1]
    already = store.configured_number_ids(session, list(seen))
    for index, (number_id, _) in enumerate(items):
        if number_id in already:
            raise InvalidRequest(
                f"Porting phone number {number_id} is already configured.",
                pointer=f"/phone_number_configurations/{index}/porting_phone_number_id")
    rows = [PortingPhoneNumberConfiguration(
        id=new_id(), organization_id=organization_id, porting_phone_number_id=number_id,
        user_bundle_id=bundle_id, created_at=now, updated_at=now)
        for number_id, bundle_id in items]
    session.add_all(rows)
    for order in orders.values():
        _touch(session, order, now)
    return rows
