"""Where an event goes: one delivery per destination, each channel of the organization
subscribed to the event (through an enabled notification setting) and the order's own
`webhook_url`. A destination named twice (a channel with the same URL as the order's
webhook_url) gets one delivery. The two event types the public API sends without a webhook
(loa_updated, sharing_token_expired) get none.

A recorded event's destinations are read when its transaction writes it (`pending.write`):
the channels subscribed at that moment, one read per organization and flush, however many
events the transaction recorded. A republish reads them at once (`targets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from portin.domain import notification_catalog as catalog
from portin.domain.events import is_notified
from portin.domain.ids import new_id
from portin.storage import notifications as subscriptions


@dataclass(frozen=True)
class Narrowing:
    """A republish may be narrowed to one channel, or to the order's webhook_url alone."""

    notification_channel_id: str | None = None
    webhook_url_only: bool = False


@dataclass(frozen=True)
class Target:
    method: str
    destination: str
    notification_channel_id: str | None
    ordered: bool = False  # its channel's deliveries of one order go one at a time


def choose(subscribed: Sequence[subscriptions.Subscription], order_webhook_url: str | None,
           narrowing: Narrowing | None = None) -> list[Target]:
    """The targets among the subscribed channels and the order's webhook_url, each once."""
    narrowing = narrowing or Narrowing()
    found: list[Target] = []
    if not narrowing.webhook_url_only:
        for channel in subscribed:
            if narrowing.notification_channel_id not in (None, channel.channel_id):
                continue
            found.append(Target(channel.channel_type_id, channel.destination,
                                channel.channel_id, channel.ordered))
    if order_webhook_url and narrowing.notification_channel_id is None:
        found.append(Target("webhook", order_webhook_url, None))
    unique: dict[tuple[str, str], Target] = {}
    for target in found:
        unique.setdefault((target.method, target.destination), target)
    return list(unique.values())


def targets(reader: Session | Connection, organization_id: str, event_type: str,
            order_webhook_url: str | None, narrowing: Narrowing | None = None) -> list[Target]:
    if not is_notified(event_type):
        return []  # listed only: the public API sends these without a webhook
    return choose(subscriptions.subscribed_channels(
        reader, organization_id, catalog.conditions_covering(event_type)),
        order_webhook_url, narrowing)


def targets_of_many(connection: Connection,
                    wanted: Sequence[tuple[str, str, str | None]]) -> list[list[Target]]:
    """Targets for many (organization, event type, order webhook_url), reading each
    organization's subscriptions to each set of conditions once."""
    read: dict[tuple[str, tuple[str, ...]], list[subscriptions.Subscription]] = {}
    found: list[list[Target]] = []
    for organization_id, event_type, webhook_url in wanted:
        if not is_notified(event_type):
            found.append([])
            continue
        conditions = tuple(catalog.conditions_covering(event_type))
        key = (organization_id, conditions)
        if key not in read:
            read[key] = subscriptions.subscribed_channels(connection, organization_id,
                                                          conditions)
        found.append(choose(read[key], webhook_url))
    return found


def delivery_row(organization_id: str, event_id: str, event_type: str, target: Target,
                 now: datetime, republished: bool, place: tuple[str, int] | None,
                 due: datetime | None = None) -> dict[str, Any]:
    """A new pending delivery, due `due` (default: now). `place` is (order id, event seq)
    for an ordered channel's delivery, else None."""
    return {"id": new_id(), "organization_id": organization_id,
            "event_id": event_id, "event_type": event_type, "method": target.method,
            "destination": target.destination,
            "notification_channel_id": target.notification_channel_id,
            "republished": republished, "status": "pending", "attempt_count": 0,
            "next_attempt_at": now if due is None else due, "lease_until": None, "leased_by": None,
            "last_error": None, "created_at": now, "started_at": None, "finished_at": None,
            "porting_order_id": place[0] if place else None,
            "order_seq": place[1] if place else None}
