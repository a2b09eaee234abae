"""The porting event store: append-only, queried newest first within one organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, insert, select
from sqlalchemy.orm import Session

from portin.storage.models import PortingEvent
from portin.storage.paging import Page, PageRequest, count_rows


@dataclass(frozen=True)
class EventFilters:
    organization_id: str
    event_type: str | None = None
    porting_order_id: str | None = None
    created_gte: datetime | None = None
    created_lte: datetime | None = None


def append(session: Session, row: dict[str, Any]) -> None:
    """Insert an event in the caller's transaction. Events are never updated or deleted."""
    session.connection().execute(insert(cast(Table, PortingEvent.__table__)), [row])


def get_event(session: Session, event_id: str, organization_id: str) -> PortingEvent | None:
    return session.execute(
        select(PortingEvent).where(PortingEvent.id == event_id,
                                   PortingEvent.organization_id == organization_id)
    ).scalar_one_or_none()


def _matching_keys(filters: EventFilters) -> Select[int]:
    stmt = select(PortingEvent.seq).where(PortingEvent.organization_id == filters.organization_id)
    if filters.event_type is not None:
        stmt = stmt.where(PortingEvent.event_type == filters.event_type)
    if filters.porting_order_id is not None:
        stmt = stmt.where(PortingEvent.porting_order_id == filters.porting_order_id)
    if filters.created_gte is not None:
        stmt = stmt.where(PortingEvent.created_at >= filters.created_gte)
    if filters.created_lte is not None:
        stmt = stmt.where(PortingEvent.created_at <= filters.created_lte)
    return stmt


def list_events(session: Session, filters: EventFilters, page: PageRequest) -> Page[PortingEvent]:
    """Newest first. The page's keys are found in an index alone (a deferred join), and only
    that page's rows are read in full, so a deep page does not read the payloads it skips."""
    keys = _matching_keys(filters)
    total = count_rows(session, keys)
    page_keys = (keys.order_by(PortingEvent.created_at.desc(), PortingEvent.seq.desc())
                 .limit(page.size).offset(page.offset).subquery())
    rows = session.execute(
        select(PortingEvent)
        .join(page_keys, page_keys.c.seq == PortingEvent.seq)
        .order_by(PortingEvent.created_at.desc(), PortingEvent.seq.desc())
    ).scalars().all()
    return Page(list(rows), total, page)


def events_of_order(session: Session, organization_id: str, order_id: str,
                    limit: int = 200) -> list[PortingEvent]:
    return list(session.execute(
        select(PortingEvent)
        .where(PortingEvent.organization_id == organization_id,
               PortingEvent.porting_order_id == order_id)
        .order_by(PortingEvent.created_at.desc(), PortingEvent.seq.desc())
        .limit(limit)
    ).scalars().all())
