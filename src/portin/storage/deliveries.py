"""The delivery outbox: claiming due deliveries, recording attempts, and the delivery log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from portin.storage import pending_rows
from portin.storage.driver_many import ManyRows
from portin.storage.models import Delivery, DeliveryAttempt, Organization, PortingEvent
from portin.storage.paging import Page, PageRequest, count_rows
from portin.storage.types import UTCDateTime

_deliveries = typed(Table, Delivery.__table__)
_events = typed(Table, PortingEvent.__table__)
_attempts = typed(Table, DeliveryAttempt.__table__)


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
    # The event's payload as stored (JSON text): a webhook body embeds it as it is.
    payload_json: str
    occurred_at: datetime

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.payload_json))


def insert_pending(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add deliveries to the caller's transaction (inserted in bulk, see `pending_rows`)."""
    pending_rows.pending(session).deliveries.extend(rows)


# The claim's statements are built once: the worker runs them for every batch it takes.
# 'pending' is written into the SQL, not bound: only then can the planner see that the
# partial index on pending deliveries serves the query.
_PENDING: ColumnElement[str] = literal_column("'pending'")
_due = ((_deliveries.c.status == _PENDING)
        & (_deliveries.c.next_attempt_at <= bindparam("now"))
        & (_deliveries.c.lease_until.is_(None) | (_deliveries.c.lease_until < bindparam("now"))))
_ANY_DUE = select(_deliveries.c.id).where(_due).limit(1)
_CANDIDATES = (
    select(_deliveries.c.id, _deliveries.c.destination)
    .where(_due, _deliveries.c.destination.not_in(bindparam("busy", expanding=True)))
    .order_by(_deliveries.c.next_attempt_at)
    .limit(bindparam("candidates"))
)
_LEASE = (
    update(_deliveries).where(_deliveries.c.id.in_(bindparam("chosen", expanding=True)))
    .values(lease_until=bindparam("lease_until"), leased_by=bindparam("worker"))
)
_CLAIMED = (
    select(_deliveries.c.id, _deliveries.c.organization_id, _deliveries.c.method,
           _deliveries.c.destination, _deliveries.c.attempt_count, _deliveries.c.created_at,
           _events.c.id, _events.c.event_type, _events.c.porting_order_id,
           # As text: no decoding here and no encoding again in the webhook body.
           cast(_events.c.payload, Text), _events.c.created_at)
    .join(_events, _events.c.id == _deliveries.c.event_id)
    .where(_deliveries.c.id.in_(bindparam("chosen", expanding=True)))
    .order_by(_deliveries.c.next_attempt_at)
)


def any_due(connection: Connection, now: datetime) -> bool:
    """A cheap read (no write lock): is any delivery due and unleased?"""
    return connection.execute(_ANY_DUE, {"now": now}).first() is not None


def claim_due(connection: Connection, worker_id: str, now: datetime, lease_until: datetime,
              limit: int, per_destination: int, busy_destinations: Sequence[str],
              skip_locked: bool) -> list[Claimed]:
    """Lease up to `limit` due deliveries, at most `per_destination` to any one destination,
    none to a destination that is already busy. On PostgreSQL the candidate rows are locked
    with SKIP LOCKED, so concurrent workers take disjoint sets; on SQLite the write
    transaction itself is exclusive."""
    if limit <= 0:
        return []
    candidates = (_CANDIDATES.with_for_update(skip_locked=True) if skip_locked
                  else _CANDIDATES)
    per: dict[str, int] = {}
    chosen: list[str] = []
    for delivery_id, destination in connection.execute(
            candidates, {"now": now, "busy": list(busy_destinations),
                         "candidates": limit * 4}):
        if per.get(destination, 0) >= per_destination:
            continue
        per[destination] = per.get(destination, 0) + 1
        chosen.append(delivery_id)
        if len(chosen) >= limit:
            break
    if not chosen:
        return []
    connection.execute(_LEASE, {"chosen": chosen, "lease_until": lease_until,
                                "worker": worker_id})
    return [Claimed(
        delivery_id=r[0], organization_id=r[1], method=r[2], destination=r[3],
        attempt=r[4] + 1, created_at=r[5], event_id=r[6], event_type=r[7],
        porting_order_id=r[8], payload_json=r[9], occurred_at=r[10])
        for r in connection.execute(_CLAIMED, {"chosen": chosen})]


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
            # Typed: inside coalesce() a parameter's type is not inferred from the column.
            started_at=func.coalesce(_deliveries.c.started_at,
                                     bindparam("b_started", type_=UTCDateTime())),
            next_attempt_at=func.coalesce(bindparam("b_next", type_=UTCDateTime()),
                                          _deliveries.c.next_attempt_at))
)


_ADVANCE_MANY = ManyRows(_ADVANCE)
_INSERT_ATTEMPTS = ManyRows(insert(_attempts))


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
    if _ADVANCE_MANY.execute(connection, params) == len(params):
        savepoint.commit()
        kept = list(records)
    else:
        savepoint.rollback()
        kept = [record for record, row in zip(records, params, strict=True)
                if connection.execute(_ADVANCE, row).rowcount == 1]
    if kept:
        _INSERT_ATTEMPTS.execute(connection,
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
    organizations = typed(Table, Organization.__table__)
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
