"""The user's side of a port-in order: create, edit, confirm, cancel, delete, comment."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from portin.delivery.address_guard import check_saved_url
from portin.domain import events as payloads
from portin.domain import lifecycle
from portin.domain.errors import InvalidRequest, NotFound, TransitionRefused
from portin.domain.events import EventType
from portin.domain.lifecycle import Actor, OrderStatus
from portin.domain.phone_numbers import number_type, validate_numbers
from portin.domain.webhook_urls import validate_webhook_url
from portin.services import action_requirements, documents, foc, portability
from portin.services import requirements as requirement_service
from portin.services.events import facts, record, record_status_changed
from portin.storage import orders as order_store
from portin.storage.models import PortingComment, PortingOrder, PortingPhoneNumber

# What each status means for activation, as the public API's activation_status enum says it.
ACTIVATION_STATUS = {
    OrderStatus.DRAFT: None,
    OrderStatus.IN_PROCESS: "New",
    OrderStatus.SUBMITTED: "Pending",
    OrderStatus.EXCEPTION: "Conflict",
    OrderStatus.FOC_DATE_CONFIRMED: "Activate RDY",
    OrderStatus.PORTED: "Active",
    OrderStatus.CANCEL_PENDING: "Cancel Pending",
    OrderStatus.CANCELLED: "Cancelled",
}

EMPTY_END_USER: dict[str, Any] = {
    "admin": dict.fromkeys(("account_number", "auth_person_name", "billing_phone_number",
                            "business_identifier", "entity_name", "pin_passcode",
                            "tax_identifier")),
    "location": dict.fromkeys(("administrative_area", "country_code", "extended_address",
                               "locality", "postal_code", "street_address")),
}


def new_support_key(prefix: str = "sr") -> str:
    return f"{prefix}_{secrets.token_hex(3)}"


def require_order(session: Session, order_id: str, organization_id: str | None) -> PortingOrder:
    order = order_store.get_order(session, order_id, organization_id)
    if order is None:
        raise NotFound(f"Porting order {order_id} was not found.")
    return order


def require_order_to_show(session: Session, order_id: str, organization_id: str | None
                          ) -> Row[Any]:
    """`require_order` for a read that only renders it: a row, not an ORM object."""
    order = order_store.read_order(session, order_id, organization_id)
    if order is None:
        raise NotFound(f"Porting order {order_id} was not found.")
    return order


def create_order(session: Session, organization_id: str, phone_numbers: list[str],
                 customer_reference: str | None, customer_group_reference: str | None,
                 now: datetime) -> PortingOrder:
    numbers = validate_numbers(phone_numbers)
    terminal = [str(s) for s in lifecycle.TERMINAL]
    held = order_store.active_orders_holding(
        session, organization_id, [n for n, _ in numbers], terminal)
    for index, (number, _) in enumerate(numbers):
        if number in held:
            raise InvalidRequest(
                f"{number} is already on porting order {held[number]}, which is not finished.",
                pointer=f"/phone_numbers/{index}")
    kinds = {number_type(n) for n, _ in numbers}
    order = PortingOrder(
        id=str(uuid.uuid4()),
        organization_id=organization_id,
        status=str(OrderStatus.DRAFT),
        status_details=[],
        customer_reference=customer_reference,
        customer_group_reference=customer_group_reference,
        phone_number_type=kinds.pop() if len(kinds) == 1 else "other",
        enable_messaging=False,
        # Messaging can move with US and Canadian local and toll-free numbers.
        messaging_capable=all(region in ("US", "CA") for _, region in numbers),
        messaging_port_status="not_applicable",
        # FastPort: every number may take that lane under the desk's portability rules.
        fast_port_eligible=portability.fast_port_eligible(session, [n for n, _ in numbers]),
        end_user={"admin": dict(EMPTY_END_USER["admin"]),
                  "location": dict(EMPTY_END_USER["location"])},
        misc=None,
        documents={"loa": None, "invoice": None},
        phone_number_configuration={"billing_group_id": None, "connection_id": None,
                                    "emergency_address_id": None,
                                    "messaging_profile_id": None, "tags": []},
        user_feedback={"user_comment": None, "user_rating": None},
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()  # the order row first: numbers reference it
    for number, region in numbers:
        session.add(PortingPhoneNumber(
            id=str(uuid.uuid4()), porting_order_id=order.id, organization_id=organization_id,
            phone_number=number, country_code=region, phone_number_type=number_type(number),
            activation_status=None, portability_status="pending",
            requirements_status="requirement-info-pending", created_at=now,
        ))
    session.flush()
    action_requirements.create_for_order(session, order, [r for _, r in numbers], now)
    return order


def _merge(current: dict[str, Any] | None, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge a nested PATCH object: omitted keys keep their value, explicit null clears."""
    merged = dict(current or {})
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def update_order(session: Session, organization_id: str, order_id: str,
                 changes: dict[str, Any], now: datetime,
                 allow_private_webhooks: bool = False) -> PortingOrder:
    """Apply a PATCH. `changes` holds only the fields the client sent (null included)."""
    order = require_order(session, order_id, organization_id)
    lifecycle.check_edit(OrderStatus(order.status), set(changes))
    if "webhook_url" in changes:
        url = changes["webhook_url"]
        order.webhook_url = validate_webhook_url(url) if url else None
        if order.webhook_url:
            check_saved_url(order.webhook_url, allow_private_webhooks, "/webhook_url")
    for field in ("customer_reference", "customer_group_reference"):
        if field in changes:
            setattr(order, field, changes[field])
    if "messaging" in changes and changes["messaging"] is not None:
        enable = changes["messaging"].get("enable_messaging")
        if enable is not None:
            if enable and not order.messaging_capable:
                raise InvalidRequest("The numbers on this order cannot port messaging.",
                                     pointer="/messaging/enable_messaging")
            order.enable_messaging = bool(enable)
    if "activation_settings" in changes and changes["activation_settings"] is not None:
        settings = changes["activation_settings"]
        if "foc_datetime_requested" in settings:
            requested = settings["foc_datetime_requested"]
            if requested is not None:
                foc.check_requested(session, order, requested, now)
            order.foc_datetime_requested = requested
    if "end_user" in changes:
        order.end_user = _merge(order.end_user, changes["end_user"] or {})
        admin = order.end_user.get("admin") or {}
        order.entity_name = admin.get("entity_name")
        order.auth_person_name = admin.get("auth_person_name")
    if "misc" in changes:
        order.misc = None if changes["misc"] is None else _merge(order.misc, changes["misc"])
        order.misc_type = (order.misc or {}).get("type")
    loa_changed = False
    if "documents" in changes and changes["documents"] is not None:
        changed = documents.set_order_documents(session, organization_id, order.id,
                                                changes["documents"], now)
        loa_changed = "loa" in changed and changes["documents"].get("loa") is not None
    for field in ("documents", "phone_number_configuration", "user_feedback"):
        if field in changes and changes[field] is not None:
            setattr(order, field, _merge(getattr(order, field), changes[field]))
    requirement_service.apply_changes(session, order, changes, now)
    order.updated_at = now
    session.flush()
    if loa_changed:  # a LOA given or replaced (not one taken away)
        record(session, order, EventType.LOA_UPDATED, None, now)
    return order


def move_to(session: Session, order: PortingOrder, target: OrderStatus,
          details: list[dict[str, str]], now: datetime) -> None:
    order.status = str(target)
    order.status_details = details
    order.activation_status = ACTIVATION_STATUS[target]
    order.updated_at = now
    session.flush()
    record_status_changed(session, order, now)


def confirm(session: Session, organization_id: str, order_id: str, now: datetime) -> PortingOrder:
    order = require_order(session, order_id, organization_id)
    lifecycle.check_transition(OrderStatus(order.status), OrderStatus.IN_PROCESS, Actor.USER)
    requirement_service.check_confirm(session, order)
    order.support_key = new_support_key()
    order.parent_support_key = new_support_key("pr")
    if order.enable_messaging:
        order.messaging_port_status = "pending"
    move_to(session, order, OrderStatus.IN_PROCESS, [], now)
    return order


def cancel(session: Session, organization_id: str, order_id: str, now: datetime) -> PortingOrder:
    order = require_order(session, order_id, organization_id)
    lifecycle.check_cancel(OrderStatus(order.status), order.foc_datetime_actual, now)
    move_to(session, order, OrderStatus.CANCEL_PENDING, [], now)
    return order


def delete_draft(session: Session, order: PortingOrder, now: datetime) -> None:
    """Soft-delete a draft and write porting_order.deleted; the event history keeps the order."""
    if not lifecycle.can_delete(OrderStatus(order.status)):
        raise TransitionRefused(
            f"Only draft porting orders can be deleted; this one is '{order.status}'.",
            pointer="/status")
    order.deleted_at = now
    session.flush()
    documents.unlink_order(session, order.organization_id, order.id)
    record(session, order, EventType.DELETED,
           payloads.deleted(facts(order), now), now)


def add_comment(session: Session, order: PortingOrder, body: str, user_type: str,
                user_id: str | None, now: datetime) -> PortingComment:
    text = body.strip()
    if not text:
        raise InvalidRequest("A comment needs a body.", pointer="/body")
    comment = PortingComment(
        id=str(uuid.uuid4()), porting_order_id=order.id, organization_id=order.organization_id,
        body=text, user_type=user_type, user_id=user_id, created_at=now,
    )
    session.add(comment)
    session.flush()
    record(session, order, EventType.NEW_COMMENT,
           payloads.new_comment(facts(order), comment.id, text, now, user_id, user_type), now)
    return comment
