"""The delivery outbox: claiming due deliveries, recording attempts, and the delivery log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from portin.storage.models import Delivery, DeliveryAttempt, Organization, PortingEvent
from portin.storage.paging import Page, PageRequest, count_rows

_deliveries = cast(Table, Delivery.__table__)


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to one worker, with what it needs to send attempt `attempt`."""

    delivery_id: str
    organization_id: str
    method: str
    destination: str
    attempt: int
    created_at: datetime
    event_id: str
    event_type: str
    porting_order_id: str
    payload: dict[str, Any]
    occurred_at: datetime


def insert_pending(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    connection.execute(insert(_deliveries), list(rows))


def any_due(connection: Connection, now: datetime) -> bool:
    """A cheap read (no write lock): is any delivery due and unleased?"""
    return connection.execute(
        select(Delivery.id)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now,
               (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now))
        .limit(1)
    ).first() is not None


def claim_due(connection: Connection, worker_id: str, now: datetime, lease_until: datetime,
              limit: int, per_destination: int, busy_destinations: Sequence[str],
              skip_locked: bool) -> list[Claimed]:
    """Lease up to `limit` due deliveries, at most `per_destination` to any one destination,
    none to a destination that is already busy. On PostgreSQL the candidate rows are locked
    with SKIP LOCKED, so concurrent workers take disjoint sets; on SQLite the write
    transaction itself is exclusive."""
    if limit <= 0:
        return []
    candidates = (
        select(Delivery.id, Delivery.destination)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now,
               (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now))
        .order_by(Delivery.next_attempt_at)
        .limit(limit * 4)
    )
    if busy_destinations:
        candidates = candidates.where(Delivery.destination.not_in(list(busy_destinations)))
    if skip_locked:
        candidates = candidates.with_for_update(skip_locked=True)
    per: dict[str, int] = {}
    chosen: list[str] = []
    for delivery_id, destination in connection.execute(candidates).all():
        if per.get(destination, 0) >= per_destination:
            continue
        per[destination] = per.get(destination, 0) + 1
        chosen.append(delivery_id)
        if len(chosen) >= limit:
            break
    if not chosen:
        return []
    connection.execute(
        update(_deliveries).where(_deliveries.c.id.in_(chosen))
        .values(lease_until=lease_until, leased_by=worker_id))
    events = cast(Table, PortingEvent.__table__)
    rows = connection.execute(
        select(_deliveries.c.id, _deliveries.c.organization_id, _deliveries.c.method,
               _deliveries.c.destination, _deliveries.c.attempt_count,
               _deliveries.c.created_at, events.c.id, events.c.event_type,
               events.c.porting_order_id, events.c.payload, events.c.created_at)
        .join(events, events.c.id == _deliveries.c.event_id)
        .where(_deliveries.c.id.in_(chosen))
        .order_by(_deliveries.c.next_attempt_at)
    ).all()
    return [Claimed(
        delivery_id=r[0], organization_id=r[1], method=r[2], destination=r[3],
        attempt=r[4] + 1, created_at=r[5], event_id=r[6], event_type=r[7],
        porting_order_id=r[8], payload=r[9], occurred_at=r[10]) for r in rows]


@dataclass(frozen=True)
class AttemptRecord:
    claimed: Claimed
    status: str  # the attempt's: delivered or failed
    delivery_status: str  # the delivery's after it: delivered, pending or failed
    next_attempt_at: datetime | None
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    http: dict[str, Any] | None
    email: dict[str, Any] | None
    error: str | None
    errors: list[int]


# Built once: the per-row cost of recording is then one cached statement execution.
_ADVANCE = (
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"),
           _deliveries.c.leased_by == bindparam("b_worker"),
           _deliveries.c.attempt_count == bindparam("b_previous"))
    .values(attempt_count=bindparam("b_attempt"), status=bindparam("b_status"),
            lease_until=None, leased_by=None, last_error=bindparam("b_error"),
            finished_at=bindparam("b_finished"),
            started_at=func.coalesce(_deliveries.c.started_at, bindparam("b_started")),
            next_attempt_at=func.coalesce(bindparam("b_next"),
                                          _deliveries.c.next_attempt_at))
)


def record_attempts(connection: Connection, worker_id: str, records: Sequence[AttemptRecord]
                    ) -> int:
    """Write the attempts and move their deliveries on. A delivery whose lease this worker lost
    (another worker took it over) is left alone. Returns how many were recorded.

    Fast path: one executemany for every delivery; when it moves them all (the usual case) the
    attempts are inserted in one go. Otherwise the batch is redone row by row inside a
    savepoint, to find the deliveries whose lease was lost."""
    params = [_advance_params(worker_id, record) for record in records]
    if not params:
        return 0
    savepoint = connection.begin_nested()
    if connection.execute(_ADVANCE, params).rowcount == len(params):
        savepoint.commit()
        kept = list(records)
    else:
        savepoint.rollback()
        kept = [record for record, row in zip(records, params, strict=True)
                if connection.execute(_ADVANCE, row).rowcount == 1]
    if kept:
        connection.execute(insert(cast(Table, DeliveryAttempt.__table__)),
                           [_attempt_row(worker_id, record) for record in kept])
    return len(kept)


def _advance_params(worker_id: str, record: AttemptRecord) -> dict[str, Any]:
    claimed = record.claimed
    return {"b_id": claimed.delivery_id, "b_worker": worker_id,
            "b_previous": claimed.attempt - 1, "b_attempt": claimed.attempt,
            "b_status": record.delivery_status, "b_error": record.error,
            "b_finished": record.finished_at, "b_started": record.started_at,
            "b_next": record.next_attempt_at}


def _attempt_row(worker_id: str, record: AttemptRecord) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "delivery_id": record.claimed.delivery_id,
            "attempt": record.claimed.attempt, "status": record.status,
            "started_at": record.started_at, "finished_at": record.finished_at,
            "duration_ms": record.duration_ms, "http": record.http, "email": record.email,
            "error": record.error, "errors": list(record.errors), "sent_by": worker_id}


@dataclass(frozen=True)
class DeliveryFilters:
    organization_id: str
    status: str | None = None
    event_types: tuple[str, ...] = ()
    destination_contains: str | None = None
    event_id: str | None = None
    porting_order_id: str | None = None
    method: str | None = None
    started_gte: datetime | None = None
    started_lte: datetime | None = None
    finished_gte: datetime | None = None
    finished_lte: datetime | None = None


def list_deliveries(session: Session, filters: DeliveryFilters, page: PageRequest
                    ) -> Page[Delivery]:
    stmt = select(Delivery).where(Delivery.organization_id == filters.organization_id)
    if filters.status is not None:
        stmt = stmt.where(Delivery.status == filters.status)
    if filters.event_types:
        stmt = stmt.where(Delivery.event_type.in_(filters.event_types))
    if filters.destination_contains:
        stmt = stmt.where(Delivery.destination.contains(filters.destination_contains,
                                                        autoescape=True))
    if filters.event_id is not None:
        stmt = stmt.where(Delivery.event_id == filters.event_id)
    if filters.porting_order_id is not None:
        stmt = stmt.where(Delivery.event_id.in_(
            select(PortingEvent.id).where(
                PortingEvent.organization_id == filters.organization_id,
                PortingEvent.porting_order_id == filters.porting_order_id)))
    if filters.method is not None:
        stmt = stmt.where(Delivery.method == filters.method)
    for column, low, high in ((Delivery.started_at, filters.started_gte, filters.started_lte),
                              (Delivery.finished_at, filters.finished_gte,
                               filters.finished_lte)):
        if low is not None:
            stmt = stmt.where(column >= low)
        if high is not None:
            stmt = stmt.where(column <= high)
    total = count_rows(session, stmt)
    rows = session.execute(
        stmt.order_by(Delivery.created_at.desc(), Delivery.id)
        .limit(page.size).offset(page.offset)).scalars().all()
    return Page(list(rows), total, page)


def get_delivery(session: Session, delivery_id: str, organization_id: str) -> Delivery | None:
    return session.execute(
        select(Delivery).where(Delivery.id == delivery_id,
                               Delivery.organization_id == organization_id)
    ).scalar_one_or_none()


def attempts_of(session: Session, delivery_ids: Sequence[str]
                ) -> dict[str, list[DeliveryAttempt]]:
    """Attempts per delivery, most recent first."""
    grouped: dict[str, list[DeliveryAttempt]] = {d: [] for d in delivery_ids}
    if not delivery_ids:
        return grouped
    for attempt in session.execute(
        select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(list(delivery_ids)))
        .order_by(DeliveryAttempt.attempt.desc())
    ).scalars():
        grouped[attempt.delivery_id].append(attempt)
    return grouped


def events_by_id(session: Session, event_ids: Sequence[str]) -> dict[str, PortingEvent]:
    if not event_ids:
        return {}
    rows = session.execute(
        select(PortingEvent).where(PortingEvent.id.in_(list(set(event_ids))))).scalars()
    return {e.id: e for e in rows}


def signing_seed(connection: Connection, organization_id: str) -> str:
    organizations = cast(Table, Organization.__table__)
    return str(connection.execute(
        select(organizations.c.signing_seed).where(organizations.c.id == organization_id)
    ).scalar_one())


def counts_since(session: Session, organization_id: str, since: datetime) -> dict[str, int]:
    """Deliveries created since `since`, by status (pending ones are still being retried)."""
    rows = session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.organization_id == organization_id, Delivery.created_at >= since)
        .group_by(Delivery.status)).all()
    counts = {"delivered": 0, "pending": 0, "failed": 0}
    counts.update({status: int(n) for status, n in rows})
    return counts


def failing_destinations(session: Session, organization_id: str, since: datetime
                         ) -> set[str]:
    """Destinations with a failed delivery or a failed attempt since `since`."""
    failed = select(Delivery.destination).where(
        Delivery.organization_id == organization_id, Delivery.created_at >= since,
        (Delivery.status == "failed") | (Delivery.last_error.is_not(None)))
    return set(session.execute(failed.distinct()).scalars())
