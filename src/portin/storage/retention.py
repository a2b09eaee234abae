"""The queries of retention: finding old rows a batch at a time, by key, and deleting them.

Every function works on one bounded batch inside the caller's transaction, so no statement
touches more than `limit` rows of a table and no lock is held for long.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from portin.storage.events import count_day
from portin.storage.models import (
    Delivery,
    DeliveryAttempt,
    EventCount,
    EventDayCount,
    PortingEvent,
)

# A delivery is finished once delivered or failed; pending and paused ones are never pruned.
FINISHED = ("delivered", "failed")
# Written as literal SQL, the same text as the partial index's predicate
# (ix_deliveries_finished), so that both SQLite and PostgreSQL see that the index serves it.
_FINISHED_SQL = text("deliveries.status IN ('delivered', 'failed')")


def old_finished_deliveries(session: Session, cutoff: datetime, limit: int) -> list[str]:
    """Up to `limit` ids of deliveries finished before `cutoff`, oldest first."""
    return list(session.execute(
        select(Delivery.id).where(_FINISHED_SQL, Delivery.finished_at < cutoff)
        .order_by(Delivery.finished_at, Delivery.id).limit(limit)).scalars())


def delete_deliveries(session: Session, delivery_ids: list[str]) -> tuple[int, int]:
    """Delete these deliveries (only finished ones) and their attempts; return how many of
    each went. A delivery another pass deleted first simply counts as none."""
    if not delivery_ids:
        return 0, 0
    attempts = session.execute(
        delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(delivery_ids)))
    deliveries = session.execute(
        delete(Delivery).where(Delivery.id.in_(delivery_ids), Delivery.status.in_(FINISHED)))
    return deliveries.rowcount, attempts.rowcount  # type: ignore[attr-defined]


def next_events(session: Session, after_seq: int, limit: int) -> list[tuple[int, str, datetime]]:
    """Up to `limit` events after `after_seq`, in key order: (seq, id, created_at)."""
    return [(row.seq, row.id, row.created_at) for row in session.execute(
        select(PortingEvent.seq, PortingEvent.id, PortingEvent.created_at)
        .where(PortingEvent.seq > after_seq).order_by(PortingEvent.seq).limit(limit))]


def events_with_unfinished_deliveries(session: Session, event_ids: list[str]) -> set[str]:
    """Which of these events still have a delivery on its way (pending or paused)."""
    if not event_ids:
        return set()
    return set(session.execute(
        select(Delivery.event_id).where(Delivery.event_id.in_(event_ids),
                                        Delivery.status.not_in(FINISHED))).scalars())


def delete_events(session: Session, event_ids: list[str]) -> tuple[int, int, int]:
    """Delete these events with their finished deliveries and those deliveries' attempts, and
    take them off event_counts and event_day_counts; return (events, deliveries, attempts)
    deleted.

    The counts are lowered by the rows the DELETE returned, so two passes racing for the same
    events lower them once. Counter rows are updated in key order."""
    if not event_ids:
        return 0, 0, 0
    delivery_ids = list(session.execute(
        select(Delivery.id).where(Delivery.event_id.in_(event_ids))).scalars())
    deliveries, attempts = delete_deliveries(session, delivery_ids)
    gone = Counter((row.organization_id, row.event_type, count_day(row.created_at))
                   for row in session.execute(
        delete(PortingEvent).where(PortingEvent.id.in_(event_ids))
        .returning(PortingEvent.organization_id, PortingEvent.event_type,
                   PortingEvent.created_at)))
    of_type: Counter[tuple[str, str]] = Counter()
    for (organization_id, event_type, _), n in gone.items():
        of_type[organization_id, event_type] += n
    # event_counts before event_day_counts, each in key order, as the write path (no deadlock).
    for (organization_id, event_type), n in sorted(of_type.items()):
        session.execute(update(EventCount).where(
            EventCount.organization_id == organization_id, EventCount.event_type == event_type,
        ).values(count=EventCount.count - n))
    for (organization_id, event_type, day), n in sorted(gone.items()):
        session.execute(update(EventDayCount).where(
            EventDayCount.organization_id == organization_id,
            EventDayCount.event_type == event_type, EventDayCount.day == day,
        ).values(count=EventDayCount.count - n))
    return sum(gone.values()), deliveries, attempts
