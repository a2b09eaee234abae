"""Recording events: the one place a change becomes an immutable event row.

Every use case calls `record` inside the transaction of its change, so an event exists if and
only if its change was committed. This is also where the notification outbox plugs in: the
fan-out to subscribed channels is written here, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from portin.domain import events as payloads
from portin.domain.events import EventType, OrderFacts
from portin.domain.ids import new_id
from portin.metrics import EVENTS_WRITTEN
from portin.outbox import pending
from portin.storage.models import PortingOrder


def facts(order: PortingOrder) -> OrderFacts:
    return OrderFacts(
        id=order.id,
        customer_reference=order.customer_reference,
        support_key=order.support_key,
        webhook_url=order.webhook_url,
        status_value=order.status,
        status_details=list(order.status_details or []),
        updated_at=order.updated_at,
        created_at=order.created_at,
        enable_messaging=order.enable_messaging,
        messaging_capable=order.messaging_capable,
        messaging_port_status=order.messaging_port_status,
    )


def record(session: Session, order: PortingOrder, event_type: EventType,
           payload: dict[str, Any] | None, now: datetime) -> str:
    """Write the event and its deliveries (the outbox) in the caller's transaction; return
    the event's id. Plain inserts, no ORM objects: this runs for every change; the
    deliveries go to what is subscribed when the transaction writes it (`outbox.pending`).
    `payload` is None for the two types the public API sends no webhook for (loa_updated,
    sharing_token_expired): they are stored with a null payload and no deliveries."""
    event_id = new_id()
    pending.record_event(session, {
        "id": event_id, "organization_id": order.organization_id,
        "porting_order_id": order.id, "event_type": str(event_type), "payload": payload,
        "created_at": now}, order.webhook_url)
    EVENTS_WRITTEN.labels(str(event_type)).inc()
    return event_id


def record_status_changed(session: Session, order: PortingOrder, now: datetime) -> str:
    return record(session, order, EventType.STATUS_CHANGED,
                  payloads.status_changed(facts(order)), now)
