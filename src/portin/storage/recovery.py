"""The failed deliveries a recover sends again, and marking them recovered (once)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from portin.storage.models import Delivery, PortingEvent


@dataclass(frozen=True)
class FailedScope:
    """Failed deliveries of one organization made (created_at) in [since, until], not
    recovered yet; optionally only those to one destination or from one channel."""

    organization_id: str
    since: datetime
    until: datetime
    destination: str | None = None
    notification_channel_id: str | None = None


@dataclass(frozen=True)
class Failed:
    id: str
    event_id: str
    event_type: str
    method: str
    destination: str
    notification_channel_id: str | None
    porting_order_id: str
    event_seq: int


def _conditions(scope: FailedScope, channel_ids: Collection[str]
                ) -> list[ColumnElement[bool]]:
    """`channel_ids`: the channels a channel's delivery may still go to (subscribed now); a
    delivery to the order's webhook_url has none and always may."""
    conditions = [Delivery.organization_id == scope.organization_id,
                  Delivery.status == "failed", Delivery.recovered_by.is_(None),
                  Delivery.created_at >= scope.since, Delivery.created_at <= scope.until,
                  or_(Delivery.notification_channel_id.is_(None),
                      Delivery.notification_channel_id.in_(list(channel_ids)))]
    if scope.destination is not None:
        conditions.append(Delivery.destination == scope.destination)
    if scope.notification_channel_id is not None:
        conditions.append(Delivery.notification_channel_id == scope.notification_channel_id)
    return conditions


def failed_deliveries(session: Session, scope: FailedScope, channel_ids: Collection[str],
                      limit: int) -> list[Failed]:
    """Oldest first, locked (PostgreSQL) so that two recovers at once take each one once:
    the second waits for the first's commit, then finds them recovered. SQLite's write
    transaction is exclusive anyway."""
    stmt = (select(Delivery.id, Delivery.event_id, Delivery.event_type, Delivery.method,
                   Delivery.destination, Delivery.notification_channel_id,
                   PortingEvent.porting_order_id, PortingEvent.seq)
            .join(PortingEvent, PortingEvent.id == Delivery.event_id)
            .where(*_conditions(scope, channel_ids)))
    rows = session.execute(stmt.order_by(Delivery.created_at, Delivery.id).limit(limit)
                           .with_for_update(of=Delivery)).all()
    return [Failed(*row) for row in rows]


def count_failed(session: Session, scope: FailedScope, channel_ids: Collection[str]) -> int:
    stmt = select(func.count()).select_from(Delivery).where(*_conditions(scope, channel_ids))
    return int(session.execute(stmt).scalar_one())


def mark_recovered(session: Session, recovered_by: Sequence[tuple[str, str]]) -> None:
    """(failed delivery id, the new delivery's id) pairs."""
    if recovered_by:
        session.execute(update(Delivery), [{"id": old, "recovered_by": new}
                                           for old, new in recovered_by])
