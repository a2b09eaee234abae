"""Porting event types and the exact payload of each, as the seed pages show them.

Payload builders take plain values, so the shape of every webhook is decided here and nowhere
else; storage keeps the payload as built, and it never changes afterwards.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portin.domain.timefmt import iso, iso_seconds


class EventType(enum.StrEnum):
    STATUS_CHANGED = "porting_order.status_changed"
    NEW_COMMENT = "porting_order.new_comment"
    SPLIT = "porting_order.split"
    MESSAGING_CHANGED = "porting_order.messaging_changed"
    DELETED = "porting_order.deleted"
    # The public API types these two as PortingEventWithoutWebhook: their payload is null,
    # and they are listed as events but never sent as notifications.
    LOA_UPDATED = "porting_order.loa_updated"
    # In the public API's enum; portin never writes it (its payload is null there).
    SHARING_TOKEN_EXPIRED = "porting_order.sharing_token_expired"


# Events that are only listed (GET /v2/porting/events), never delivered by webhook or email.
WITHOUT_NOTIFICATION = frozenset({EventType.LOA_UPDATED, EventType.SHARING_TOKEN_EXPIRED})


def is_notified(event_type: str) -> bool:
    """Whether events of this type go to webhooks and email channels."""
    return event_type not in WITHOUT_NOTIFICATION


@dataclass(frozen=True)
class OrderFacts:
    """What event payloads need to know about an order at the moment of the change."""

    id: str
    customer_reference: str | None
    support_key: str | None
    webhook_url: str | None
    status_value: str
    status_details: list[dict[str, str]]
    updated_at: datetime
    created_at: datetime
    enable_messaging: bool
    messaging_capable: bool
    messaging_port_status: str


def status_changed(order: OrderFacts) -> dict[str, Any]:
    return {
        "customer_reference": order.customer_reference,
        "id": order.id,
        "status": {"details": list(order.status_details), "value": order.status_value},
        "support_key": order.support_key,
        "updated_at": iso(order.updated_at),
        "webhook_url": order.webhook_url,
    }


def new_comment(order: OrderFacts, comment_id: str, body: str, inserted_at: datetime,
                user_id: str | None, user_type: str) -> dict[str, Any]:
    return {
        "comment": {
            "body": body,
            "id": comment_id,
            "inserted_at": iso_seconds(inserted_at),
            "user_id": user_id,
            "user_type": user_type,
        },
        "porting_order_id": order.id,
        "support_key": order.support_key,
    }


def split(from_order_id: str, to_order_id: str, phone_number_id: str) -> dict[str, Any]:
    """One event per number moved: the seed sends one webhook for each number split off."""
    return {
        "from": {"id": from_order_id},
        "to": {"id": to_order_id},
        "porting_phone_numbers": [{"id": phone_number_id}],
    }


def messaging_changed(order: OrderFacts) -> dict[str, Any]:
    return {
        "id": order.id,
        "customer_reference": order.customer_reference,
        "messaging": {
            "messaging_capable": order.messaging_capable,
            "enable_messaging": order.enable_messaging,
            "messaging_port_status": order.messaging_port_status,
            "messaging_port_completed": order.messaging_port_status == "ported",
        },
        "support_key": order.support_key,
    }


def deleted(order: OrderFacts, deleted_at: datetime) -> dict[str, Any]:
    return {
        "id": order.id,
        "customer_reference": order.customer_reference,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "deleted_at": iso(deleted_at),
        "record_type": "porting_order",
    }
