"""Reading an organization's event feed from a cursor (portin's addition, issue #10)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portin.domain.errors import NotFound
from portin.storage import event_feed
from portin.storage.models import PortingEvent


@dataclass(frozen=True)
class FeedPage:
    after: int
    events: list[PortingEvent]
    # The position to follow on from: the last event's, or `after` when there was none.
    next_after: int
    has_more: bool


def read(session: Session, organization_id: str, after: int, limit: int,
         parameter: str = "after") -> FeedPage:
    """Up to `limit` events after `after`, oldest first. A cursor beyond the organization's
    last event names nothing that exists (another organization's, or from another database):
    NotFound, so a consumer notices instead of waiting forever."""
    # limit + 1 rows tell whether more are waiting without a count.
    rows = event_feed.events_after(session, organization_id, after, limit + 1)
    if not rows and after > event_feed.last_position(session, organization_id):
        raise NotFound(f"The event feed has no position {after}: the cursor is beyond the"
                       " last event of your organization.", parameter=parameter)
    events = rows[:limit]
    return FeedPage(after, events, events[-1].feed_position if events else after,
                    len(rows) > limit)
