"""What has moved in an organization, as one small comparable value: the portal's live stream
(portal/live.py) reads it every poll and tells the pages when it differs from the last."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portin.storage.event_feed import last_position
from portin.storage.models import Delivery, DeliveryDestination

# (feed position, newest delivery, pending deliveries and their attempts, destinations' last
# change), as text so that datetimes of either database compare alike.
ChangeMark = tuple[str, ...]


def change_mark(session: Session, organization_id: str) -> ChangeMark:
    """Index reads only: the feed's last position (a new event), the newest delivery (one
    made without an event: a republish, a recover), the pending deliveries' count and
    attempts (one sent, failed, paused or resumed: the pending set is only the work still to
    do) and the destinations' last update (health moved, enabled, disabled)."""
    newest = session.execute(select(func.max(Delivery.created_at)).where(
        Delivery.organization_id == organization_id)).scalar_one()
    pending, attempts = session.execute(
        select(func.count(), func.coalesce(func.sum(Delivery.attempt_count), 0))
        .where(Delivery.status == "pending", Delivery.organization_id == organization_id)
    ).one()
    destinations = session.execute(select(func.max(DeliveryDestination.updated_at)).where(
        DeliveryDestination.organization_id == organization_id)).scalar_one()
    return (str(last_position(session, organization_id)), str(newest), str(pending),
            str(attempts), str(destinations))
