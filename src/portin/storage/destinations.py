"""Delivery destinations and their health, as the API and the portal read and change them (the
worker moves health in `delivery_queue`), and the alerts waiting to be sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, String, func, literal, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portin.domain.endpoint_health import resume_offset_seconds
from portin.storage.models import (
    Delivery,
    DeliveryDestination,
    DestinationAlert,
    NotificationChannel,
    User,
)
from portin.storage.paging import Page, PageRequest, count_rows


@dataclass(frozen=True)
class DestinationFilters:
    organization_id: str
    state: str | None = None
    method: str | None = None


def list_destinations(session: Session, filters: DestinationFilters, page: PageRequest
                      ) -> Page[DeliveryDestination]:
    stmt = select(DeliveryDestination).where(
        DeliveryDestination.organization_id == filters.organization_id)
    if filters.state is not None:
        stmt = stmt.where(DeliveryDestination.state == filters.state)
    if filters.method is not None:
        stmt = stmt.where(DeliveryDestination.method == filters.method)
    total = count_rows(session, stmt)
    rows = session.execute(stmt.order_by(DeliveryDestination.created_at,
                                         DeliveryDestination.id)
                           .limit(page.size).offset(page.offset)).scalars().all()
    return Page(list(rows), total, page)


def get_destination(session: Session, destination_id: str, organization_id: str,
                    for_update: bool = False) -> DeliveryDestination | None:
    stmt = select(DeliveryDestination).where(
        DeliveryDestination.id == destination_id,
        DeliveryDestination.organization_id == organization_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def paused_counts(session: Session, organization_id: str,
                  destinations: list[DeliveryDestination]) -> dict[str, int]:
    """Paused deliveries per destination id."""
    if not destinations:
        return {}
    names = {(d.method, d.destination): d.id for d in destinations}
    rows = session.execute(
        select(Delivery.method, Delivery.destination, func.count())
        .where(Delivery.organization_id == organization_id, Delivery.status == "paused",
               Delivery.destination.in_([d.destination for d in destinations]))
        .group_by(Delivery.method, Delivery.destination)).all()
    counts = {d.id: 0 for d in destinations}
    for method, destination, n in rows:
        key = names.get((method, destination))
        if key is not None:
            counts[key] = int(n)
    return counts


def pause_pending(session: Session, destination: DeliveryDestination) -> int:
    """Pause the destination's pending deliveries that no worker is sending (those being sent
    finish their attempt and are paused at their next claim)."""
    result = session.execute(
        update(Delivery).where(
            Delivery.organization_id == destination.organization_id,
            Delivery.method == destination.method,
            Delivery.destination == destination.destination,
            Delivery.status == "pending", Delivery.leased_by.is_(None))
        .values(status="paused").execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def resume_paused(session: Session, destination: DeliveryDestination, now: datetime) -> int:
    """Put the destination's paused deliveries back in the queue, oldest first, due from `now`
    one after another at `endpoint_health.RESUMED_PER_SECOND` (the n-th at now + n / rate):
    spread, so that workers and the receiver meet a stream rather than a wall, and in
    creation order, so that the claim (oldest due first) still sends them oldest first."""
    paused = (Delivery.organization_id == destination.organization_id,
              Delivery.method == destination.method,
              Delivery.destination == destination.destination, Delivery.status == "paused")
    ranked = (select(Delivery.id, (func.row_number().over(
        order_by=(Delivery.created_at, Delivery.id)) - 1).label("place"))
        .where(*paused).subquery())
    result = session.execute(
        update(Delivery).where(Delivery.id == ranked.c.id, *paused)
        .values(status="pending", lease_until=None, leased_by=None,
                next_attempt_at=_resumed_due(session, now, ranked.c.place))
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def _resumed_due(session: Session, now: datetime, place: ColumnElement[Any]
                 ) -> ColumnElement[Any]:
    """now + resume_offset_seconds(place), computed by the database for every row at once.
    SQLite keeps times as text ("2026-11-25 08:41:49.991842", see storage.types): the text
    is built from whole microseconds since the epoch, so that it compares as times do."""
    step = resume_offset_seconds(1)
    if session.get_bind().dialect.name == "sqlite":
        micros = round(now.timestamp() * 1_000_000) + place * round(step * 1_000_000)
        # Whole seconds by integer division (`//`): SQLAlchemy's `/` is true division, and
        # SQLite rounds a fractional epoch to the millisecond, so x.9996 s would print as the
        # next second, a second ahead of its microseconds.
        return type_coerce(
            func.strftime("%Y-%m-%d %H:%M:%S", micros // 1_000_000, "unixepoch") + "."
            + func.printf("%06d", micros % 1_000_000), String)
    at = now.astimezone(UTC).replace(tzinfo=None)
    return type_coerce(literal(at, DateTime()) + place * literal(timedelta(seconds=step)),
                       DateTime())


# -- alerts -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlertToSend:
    alert: DestinationAlert
    destination: DeliveryDestination


def lease_unsent_alerts(session: Session, now: datetime, lease_seconds: float, limit: int
                        ) -> list[AlertToSend]:
    """Take the oldest unsent alerts for `lease_seconds` (skipping those another scheduler
    holds), with their destinations."""
    stmt = (select(DestinationAlert, DeliveryDestination)
            .join(DeliveryDestination, DeliveryDestination.id == DestinationAlert.destination_id)
            .where(DestinationAlert.sent_at.is_(None),
                   (DestinationAlert.lease_until.is_(None))
                   | (DestinationAlert.lease_until < now))
            .order_by(DestinationAlert.created_at).limit(limit)
            .with_for_update(skip_locked=True, of=DestinationAlert))
    taken = [AlertToSend(alert, destination)
             for alert, destination in session.execute(stmt).all()]
    for item in taken:
        item.alert.lease_until = now + timedelta(seconds=lease_seconds)
        item.alert.attempts += 1
    return taken


def alert_recipients(session: Session, organization_id: str, exclude: str) -> list[str]:
    """Where an organization hears about its destinations: its email channels, or, when it has
    none, the people who sign in to its portal. Never the destination the alert is about."""
    channels = session.execute(
        select(NotificationChannel.channel_destination).where(
            NotificationChannel.organization_id == organization_id,
            NotificationChannel.channel_type_id == "email",
            NotificationChannel.channel_destination != exclude).distinct()).scalars().all()
    if channels:
        return sorted(channels)
    users = session.execute(
        select(User.email).where(User.organization_id == organization_id,
                                 User.email != exclude)).scalars().all()
    return sorted(users)


def get_alert(session: Session, alert_id: str) -> DestinationAlert | None:
    return session.get(DestinationAlert, alert_id)


def alerts_of(session: Session, destination_id: str, limit: int = 20
              ) -> list[DestinationAlert]:
    return list(session.execute(
        select(DestinationAlert).where(DestinationAlert.destination_id == destination_id)
        .order_by(DestinationAlert.created_at.desc()).limit(limit)).scalars())
