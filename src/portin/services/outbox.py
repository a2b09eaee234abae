"""The transactional outbox: an event's deliveries are written in the event's own transaction.

One delivery per destination: each channel of the organization subscribed to the event (through
a notification setting) and the order's own `webhook_url`. A destination named twice (a channel
with the same URL as the order's webhook_url) gets one delivery. The two event types the public
API sends without a webhook (loa_updated, sharing_token_expired) get none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from portin.domain import notification_catalog as catalog
from portin.domain.events import is_notified
from portin.domain.ids import new_id
from portin.storage import deliveries
from portin.storage import notifications as subscriptions
from portin.storage.db import WAKE_CHANNEL, WAKE_FLAG
from portin.storage.models import PortingEvent


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


_CACHE = "portin.subscriptions"


def subscribed(session: Session, organization_id: str, event_type: str
               ) -> list[subscriptions.Subscription]:
    """The organization's subscribed channels, read once per transaction: a change that writes
    many events (a split, a burst) asks the database once. Changes to subscriptions in the same
    transaction clear it (see `forget_subscriptions`)."""
    cache: dict[tuple[str, tuple[str, ...]], list[subscriptions.Subscription]] = (
        session.info.setdefault(_CACHE, {}))
    conditions = tuple(catalog.conditions_covering(event_type))
    key = (organization_id, conditions)
    if key not in cache:
        # The event being written need not be flushed for this read: no autoflush, so the
        # event and its deliveries go out together in one flush.
        with session.no_autoflush:
            cache[key] = subscriptions.subscribed_channels(session, organization_id,
                                                           conditions)
    return cache[key]


def forget_subscriptions(session: Session) -> None:
    session.info.pop(_CACHE, None)


def targets(session: Session, organization_id: str, event_type: str,
            order_webhook_url: str | None, narrowing: Narrowing | None = None) -> list[Target]:
    if not is_notified(event_type):
        return []  # listed only: the public API sends these without a webhook
    narrowing = narrowing or Narrowing()
    found: list[Target] = []
    if not narrowing.webhook_url_only:
        for channel in subscribed(session, organization_id, event_type):
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


def write_deliveries(session: Session, organization_id: str, event_id: str, event_type: str,
                     found: list[Target], now: datetime, republished: bool = False) -> int:
    """Insert one pending delivery per target, due now, in the caller's transaction."""
    if not found:
        return 0
    # Only an ordered channel's delivery needs its event's place in line (one query).
    place = (deliveries.place_in_line(session, event_id)
             if any(target.ordered for target in found) else None)
    deliveries.insert_pending(session, [
        delivery_row(organization_id, event_id, event_type, target, now, republished,
                     place if target.ordered else None)
        for target in found])
    wake_workers(session)
    return len(found)


def delivery_row(organization_id: str, event_id: str, event_type: str, target: Target,
                 now: datetime, republished: bool, place: tuple[str, int] | None
                 ) -> dict[str, Any]:
    """A new pending delivery, due now. `place` is (order id, event seq) for an ordered
    channel's delivery, else None."""
    return {"id": new_id(), "organization_id": organization_id,
            "event_id": event_id, "event_type": event_type, "method": target.method,
            "destination": target.destination,
            "notification_channel_id": target.notification_channel_id,
            "republished": republished, "status": "pending", "attempt_count": 0,
            "next_attempt_at": now, "lease_until": None, "leased_by": None,
            "last_error": None, "created_at": now, "started_at": None, "finished_at": None,
            "porting_order_id": place[0] if place else None,
            "order_seq": place[1] if place else None}


def wake_workers(session: Session) -> None:
    """Deliveries were written: wake the workers at commit (once per transaction)."""
    if not session.info.get(WAKE_FLAG):
        session.info[WAKE_FLAG] = True
        notify_workers(session)


def notify_workers(session: Session) -> None:
    """On PostgreSQL, wake the workers of other processes when this transaction commits
    (NOTIFY is delivered at commit, and not at all on rollback). Once per transaction."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"NOTIFY {WAKE_CHANNEL}")


def fan_out(session: Session, event: PortingEvent, order_webhook_url: str | None,
            now: datetime, narrowing: Narrowing | None = None,
            republished: bool = False) -> int:
    """Deliveries for an event already stored (a republish); returns how many."""
    found = targets(session, event.organization_id, event.event_type, order_webhook_url,
                    narrowing)
    methods = set(event.notification_methods or []) | {t.method for t in found}
    event.notification_methods = sorted(methods)
    return write_deliveries(session, event.organization_id, event.id, event.event_type, found,
                            now, republished)
