"""An organization's event feed: its events in feed position order (see `event_positions`
for why that order is the order in which they were committed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portin.storage.event_positions import ORGANIZATION
from portin.storage.models import EventPosition, PortingEvent


def last_position(session: Session, organization_id: str) -> int:
    """The organization's last committed feed position; 0 before its first event."""
    last = session.execute(select(EventPosition.last).where(
        EventPosition.scope == ORGANIZATION, EventPosition.owner_id == organization_id)
    ).scalar_one_or_none()
    return int(last or 0)


def events_after(session: Session, organization_id: str, after: int,
                 limit: int) -> list[PortingEvent]:
    """Up to `limit` events at positions after `after`, oldest first (one index range)."""
    return list(session.execute(
        select(PortingEvent)
        .where(PortingEvent.organization_id == organization_id,
               PortingEvent.feed_position > after)
        .order_by(PortingEvent.feed_position)
        .limit(limit)
    ).scalars().all())
