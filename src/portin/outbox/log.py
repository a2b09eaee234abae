"""The delivery log: deliveries and their attempts as the API and the portal read them. (New
deliveries are written by `pending`, claimed and recorded by `queue`.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portin.storage.models import Delivery, DeliveryAttempt, PortingEvent
from portin.storage.orders import order_ids_named
from portin.storage.paging import Page, PageRequest, count_rows


@dataclass(frozen=True)
class DeliveryFilters:
    organization_id: str
    status: str | None = None
    event_types: tuple[str, ...] = ()
    destination_contains: str | None = None
    event_id: str | None = None
    porting_order_id: str | None = None
    # An order id or a customer reference (the portal's "Order" box).
    order_or_reference: str | None = None
    destination: str | None = None  # exactly this destination
    created_gte: datetime | None = None
    created_lte: datetime | None = None
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
    if filters.order_or_reference is not None:
        stmt = stmt.where(Delivery.event_id.in_(
            select(PortingEvent.id).where(
                PortingEvent.organization_id == filters.organization_id,
                PortingEvent.porting_order_id.in_(order_ids_named(
                    filters.organization_id, filters.order_or_reference)))))
    if filters.destination is not None:
        stmt = stmt.where(Delivery.destination == filters.destination)
    if filters.method is not None:
        stmt = stmt.where(Delivery.method == filters.method)
    if filters.created_gte is not None:
        stmt = stmt.where(Delivery.created_at >= filters.created_gte)
    if filters.created_lte is not None:
        stmt = stmt.where(Delivery.created_at <= filters.created_lte)
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


def destinations_used(session: Session, organization_id: str) -> list[str]:
    """Every destination the organization's deliveries went to, for a filter's choices."""
    return list(session.execute(
        select(Delivery.destination).where(Delivery.organization_id == organization_id)
        .distinct().order_by(Delivery.destination)).scalars())
