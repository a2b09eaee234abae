"""The porting desk's side: status moves, admin comments, splits and messaging status.

The operator acts across organizations, so orders are looked up without an organization scope;
every event still belongs to the order's own organization.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from portin.domain import events as payloads
from portin.domain import lifecycle
from portin.domain.errors import InvalidRequest, TransitionRefused
from portin.domain.events import EventType
from portin.domain.exception_codes import resolve_details
from portin.domain.lifecycle import Actor, OrderStatus
from portin.services import foc
from portin.services import requirements as requirement_service
from portin.services.events import facts, record
from portin.services.number_ranges import move_extensions
from portin.services.orders import ACTIVATION_STATUS, move_to, new_support_key, require_order
from portin.storage import orders as order_store
from portin.storage.models import PortingOrder, PortingPhoneNumber

MESSAGING_PORT_STATUSES = ("not_applicable", "pending", "activating", "exception", "canceled",
                           "partial_port_complete", "ported")

# The FOC date an operator confirms when none is given and the order has no FOC window (its
# zones share no business hour): three days out, as carriers often do.
DEFAULT_FOC_LEAD = timedelta(days=3)


def _default_foc(session: Session, order: PortingOrder, now: datetime) -> datetime:
    """The user's requested FOC date if still ahead, else the start of the first allowed
    FOC window."""
    requested = order.foc_datetime_requested
    if requested and requested > now:
        return requested
    windows = foc.allowed_windows(session, order, now)
    return windows[0].start if windows else now + DEFAULT_FOC_LEAD


def set_status(session: Session, order_id: str, value: str,
               details: list[dict[str, str | None]], foc_datetime: datetime | None,
               now: datetime) -> PortingOrder:
    order = require_order(session, order_id, None)
    try:
        target = OrderStatus(value)
    except ValueError as exc:
        raise InvalidRequest(f"Unknown status {value!r}.", pointer="/value") from exc
    lifecycle.check_transition(OrderStatus(order.status), target, Actor.OPERATOR)
    if target == OrderStatus.EXCEPTION:
        if not details:
            raise InvalidRequest("An exception needs at least one reason code.",
                                 pointer="/details")
        resolved = resolve_details(details)
    elif details:
        raise InvalidRequest("Only the exception status carries details.", pointer="/details")
    else:
        resolved = []
    if target == OrderStatus.FOC_DATE_CONFIRMED:
        order.foc_datetime_actual = foc_datetime or _default_foc(session, order, now)
    numbers = order_store.numbers_of(session, [order.id])[order.id]
    for number in numbers:
        number.activation_status = ACTIVATION_STATUS[target]
        if target in (OrderStatus.FOC_DATE_CONFIRMED, OrderStatus.PORTED):
            number.portability_status = "confirmed"
    move_to(session, order, target, resolved, now)
    return order


def split(session: Session, order_id: str, phone_numbers: list[str], now: datetime
          ) -> PortingOrder:
    """Move numbers to a new order of the same organization, status and settings.

    One porting_order.split event per number moved, each belonging to the source order.
    """
    source = require_order(session, order_id, None)
    if OrderStatus(source.status) in lifecycle.TERMINAL:
        raise TransitionRefused(
            f"A '{source.status}' porting order cannot be split.", pointer="/status")
    if not phone_numbers:
        raise InvalidRequest("Name at least one phone number to split off.",
                             pointer="/phone_numbers")
    on_order = {n.phone_number: n for n in order_store.numbers_of(session, [source.id])[source.id]}
    moving: list[PortingPhoneNumber] = []
    for index, raw in enumerate(phone_numbers):
        number = on_order.get(raw)
        if number is None:
            raise InvalidRequest(f"{raw} is not on porting order {source.id}.",
                                 pointer=f"/phone_numbers/{index}")
        if number not in moving:
            moving.append(number)
    if len(moving) == len(on_order):
        raise InvalidRequest("A split must leave at least one number on the original order.",
                             pointer="/phone_numbers")
    target = PortingOrder(
        id=str(uuid.uuid4()),
        organization_id=source.organization_id,
        status=source.status,
        status_details=list(source.status_details or []),
        customer_reference=source.customer_reference,
        customer_group_reference=source.customer_group_reference,
        description=source.description,
        support_key=new_support_key() if source.support_key else None,
        parent_support_key=source.parent_support_key,
        webhook_url=source.webhook_url,
        old_service_provider_ocn=source.old_service_provider_ocn,
        phone_number_type=source.phone_number_type,
        enable_messaging=source.enable_messaging,
        messaging_capable=source.messaging_capable,
        messaging_port_status=source.messaging_port_status,
        fast_port_eligible=source.fast_port_eligible,
        foc_datetime_requested=source.foc_datetime_requested,
        foc_datetime_actual=source.foc_datetime_actual,
        activation_status=source.activation_status,
        end_user=dict(source.end_user),
        misc=dict(source.misc) if source.misc else None,
        documents=dict(source.documents),
        phone_number_configuration=dict(source.phone_number_configuration),
        user_feedback=dict(source.user_feedback),
        entity_name=source.entity_name,
        auth_person_name=source.auth_person_name,
        misc_type=source.misc_type,
        created_at=now,
        updated_at=now,
    )
    session.add(target)
    session.flush()
    for number in moving:
        number.porting_order_id = target.id
    move_extensions(session, [n.id for n in moving], target.id)
    source.updated_at = now
    session.flush()
    requirement_service.copy_to(session, source, target, now)
    for number in moving:
        record(session, source, EventType.SPLIT,
               payloads.split(source.id, target.id, number.id), now)
    return target


def set_messaging_status(session: Session, order_id: str, messaging_port_status: str,
                         now: datetime) -> PortingOrder:
    """Change the messaging port status; an event only when it really changes."""
    if messaging_port_status not in MESSAGING_PORT_STATUSES:
        raise InvalidRequest(
            f"Unknown messaging_port_status {messaging_port_status!r}; one of"
            f" {', '.join(MESSAGING_PORT_STATUSES)}.", pointer="/messaging_port_status")
    order = require_order(session, order_id, None)
    if OrderStatus(order.status) == OrderStatus.DRAFT:
        raise TransitionRefused(
            "Messaging activation starts once the order is submitted; this one is a draft.",
            pointer="/status")
    if messaging_port_status != "not_applicable" and not order.enable_messaging:
        raise InvalidRequest("Messaging is not enabled on this order.",
                             pointer="/messaging_port_status")
    if order.messaging_port_status == messaging_port_status:
        return order
    order.messaging_port_status = messaging_port_status
    order.updated_at = now
    session.flush()
    record(session, order, EventType.MESSAGING_CHANGED,
           payloads.messaging_changed(facts(order)), now)
    return order
