"""Republish: send an event again to where it should go *now*, without a new event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portin.domain import notification_catalog as catalog
from portin.domain.errors import InvalidRequest, NotFound
from portin.domain.events import is_notified
from portin.outbox import pending
from portin.outbox.fan_out import Narrowing, delivery_row, targets
from portin.services.notifications import require_channel
from portin.storage import events as event_store
from portin.storage import notifications as subscriptions
from portin.storage.models import PortingOrder


def republish(session: Session, organization_id: str, event_id: str, narrowing: Narrowing,
              now: datetime) -> int:
    """New deliveries (attempts start again at 1) to the channels subscribed at this moment
    and to the order's current webhook_url, or to the one target the narrowing names."""
    event = event_store.get_event(session, event_id, organization_id)
    if event is None:
        raise NotFound(f"Porting event {event_id} was not found.")
    if not is_notified(event.event_type):
        raise InvalidRequest(f"{event.event_type} events are not sent as notifications, so"
                             " there is nothing to republish.", pointer="/event_type")
    if narrowing.notification_channel_id is not None:
        channel = require_channel(session, organization_id, narrowing.notification_channel_id,
                                  pointer="/notification_channel_id")
        subscribed = subscriptions.subscribed_channels(
            session, organization_id, catalog.conditions_covering(event.event_type))
        if channel.id not in {c.channel_id for c in subscribed}:
            raise InvalidRequest("That channel is not subscribed to this event's"
                                 " notifications.", pointer="/notification_channel_id")
    # A deleted draft keeps its row, so its webhook_url is still known.
    order = session.get(PortingOrder, event.porting_order_id)
    webhook_url = order.webhook_url if order is not None else None
    if narrowing.webhook_url_only and not webhook_url:
        raise InvalidRequest("The order has no webhook_url to republish to.",
                             pointer="/webhook_url_only")
    found = targets(session, organization_id, event.event_type, webhook_url, narrowing)
    event.notification_methods = sorted(set(event.notification_methods or [])
                                        | {t.method for t in found})
    place = (event.porting_order_id, event.seq)  # an ordered channel's keeps its place
    pending.add_deliveries(session, [
        delivery_row(organization_id, event.id, event.event_type, target, now, True,
                     place if target.ordered else None) for target in found])
    return len(found)
