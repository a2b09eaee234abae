"""One delivery acted on from its page: "Retry now" (pending or failed) and "Resend"
(delivered). No new event is made.

A pending delivery is made due now, in place. A failed one is sent again as a new delivery to
the same destination, so it gets a full round of attempts and a fresh retry window (its own
attempt count and window are used up); the failed one is marked recovered by it, as a
recover (`recovery`) marks it, so a later recover does not send it twice. A delivered one is
resent as a new delivery too, marked republished.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from portin.domain.errors import InvalidRequest, NotFound
from portin.outbox import log, pending
from portin.outbox.fan_out import Target, delivery_row
from portin.storage import recovery as recovery_store
from portin.storage.models import Delivery


class Action(enum.StrEnum):
    RETRY_NOW = "retry_now"
    RESEND = "resend"


@dataclass(frozen=True)
class Done:
    action: Action
    delivery_id: str  # the delivery that will be tried: the same one, or the new one


def action_for(status: str, recovered_by: str | None = None) -> Action | None:
    """The action a delivery's page offers for its status (none while paused, nor once it
    was sent again)."""
    if recovered_by:
        return None
    if status in ("pending", "failed"):
        return Action.RETRY_NOW
    if status == "delivered":
        return Action.RESEND
    return None


def act(session: Session, organization_id: str, delivery_id: str, action: Action,
        now: datetime) -> Done:
    delivery = log.get_delivery(session, delivery_id, organization_id)
    if delivery is None:
        raise NotFound(f"Delivery {delivery_id} was not found.")
    if action_for(delivery.status, delivery.recovered_by) != action:
        raise InvalidRequest(_refusal(delivery, action), pointer="/action")
    if delivery.status == "pending":
        pending.due_now(session, delivery.id, now)
        return Done(action, delivery.id)
    new = _again(delivery, now)
    pending.add_deliveries(session, [new])
    if delivery.status == "failed":
        recovery_store.mark_recovered(session, [(delivery.id, new["id"])])
    return Done(action, new["id"])


def _again(delivery: Delivery, now: datetime) -> dict[str, Any]:
    ordered = delivery.order_seq is not None
    target = Target(delivery.method, delivery.destination, delivery.notification_channel_id,
                    ordered)
    place = ((delivery.porting_order_id, delivery.order_seq)
             if ordered and delivery.porting_order_id is not None
             and delivery.order_seq is not None else None)
    return delivery_row(delivery.organization_id, delivery.event_id, delivery.event_type,
                        target, now, True, place)


def _refusal(delivery: Delivery, action: Action) -> str:
    if delivery.status == "paused":
        return ("This delivery is paused because its destination is disabled: enable the"
                " destination on the Deliveries page and it is sent again.")
    if delivery.recovered_by:
        return "This delivery was already sent again."
    if action == Action.RESEND:
        return "Only a delivered delivery can be resent; use Retry now."
    return "This delivery was delivered already; use Resend to send it again."
