"""What an email about an event needs beyond the event itself: the order and, for a split,
the numbers that moved. Read in the worker's database thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portin.domain.timefmt import iso
from portin.outbox.rows import Claimed
from portin.storage.models import PortingOrder, PortingPhoneNumber

STATUS_WORDS = {
    "draft": "a draft, not yet submitted",
    "in-process": "received and being prepared for the losing carrier",
    "submitted": "submitted to the losing carrier",
    "exception": "on hold until the problems below are fixed",
    "foc-date-confirmed": "the port date (FOC) is confirmed",
    "ported": "ported: the numbers are now yours",
    "cancel-pending": "cancellation requested",
    "cancelled": "cancelled",
}


def email_context(session: Session, claimed: Claimed, public_base_url: str) -> dict[str, Any]:
    order = session.get(PortingOrder, claimed.porting_order_id)
    payload = claimed.payload
    split_numbers: list[str] = []
    if claimed.event_type == "porting_order.split":
        ids = [n["id"] for n in payload.get("porting_phone_numbers", [])]
        split_numbers = list(session.execute(
            select(PortingPhoneNumber.phone_number).where(PortingPhoneNumber.id.in_(ids))
        ).scalars())
    status_value = (payload.get("status") or {}).get("value") or (order.status if order else "")
    return {
        "event_type": claimed.event_type,
        "event": {"id": claimed.event_id, "occurred_at": iso(claimed.occurred_at)},
        "payload": payload,
        "order": {
            "id": claimed.porting_order_id,
            "customer_reference": order.customer_reference if order else None,
            "support_key": order.support_key if order else None,
        },
        "status_words": STATUS_WORDS.get(status_value, status_value),
        "split_numbers": split_numbers,
        "portal_url": f"{public_base_url.rstrip('/')}/orders/{claimed.porting_order_id}",
    }
