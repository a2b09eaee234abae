"""The porting event store: append-only, queried newest first within one organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Select, Table, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from portin.storage.models import EventCount, PortingEvent
from portin.storage.orders import order_ids_named
from portin.storage.paging import Page, PageRequest, count_rows
from portin.storage.reads import rows as read_rows

_events = cast(Table, PortingEvent.__table__)


@dataclass(frozen=True)
class EventFilters:
    organization_id: str
    event_type: str | None = None
    porting_order_id: str | None = None
    # An order id or a customer reference (the portal's "Order" box).
    order_or_reference: str | None = None
    created_gte: datetime | None = None
    created_lte: datetime | None = None


def recount(session: Session) -> None:
    """Rebuild event_counts from porting_events (after a bulk load, or as a repair)."""
    session.execute(delete(EventCount))
    session.execute(insert(cast(Table, EventCount.__table__)).from_select(
        ["organization_id", "event_type", "count"],
        select(PortingEvent.organization_id, PortingEvent.event_type, func.count())
        .group_by(PortingEvent.organization_id, PortingEvent.event_type)))


# The total of an unfiltered or type-filtered page: built once, as every first page asks.
_COUNTED = select(func.coalesce(func.sum(EventCount.count), 0)).where(
    EventCount.organization_id == bindparam("organization_id"))
_COUNTED_OF_TYPE = _COUNTED.where(EventCount.event_type == bindparam("event_type"))


def _counted_total(session: Session, filters: EventFilters) -> int | None:
    """The total from event_counts when the filters allow it (no order, no time range)."""
    if (filters.porting_order_id is not None or filters.order_or_reference is not None
            or filters.created_gte is not None
            or filters.created_lte is not None):
        return None
    if filters.event_type is None:
        found = session.execute(_COUNTED, {"organization_id": filters.organization_id})
    else:
        found = session.execute(_COUNTED_OF_TYPE, {"organization_id": filters.organization_id,
                                                   "event_type": filters.event_type})
    return int(found.scalar_one())


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
    if filters.order_or_reference is not None:
        stmt = stmt.where(PortingEvent.porting_order_id.in_(
            order_ids_named(filters.organization_id, filters.order_or_reference)))
    if filters.created_gte is not None:
        stmt = stmt.where(PortingEvent.created_at >= filters.created_gte)
    if filters.created_lte is not None:
        stmt = stmt.where(PortingEvent.created_at <= filters.created_lte)
    return stmt


def list_events(session: Session, filters: EventFilters, page: PageRequest) -> Page[Row[Any]]:
    """Newest first.

    - The total comes from event_counts when it can, else from counting the index.
    - The page's keys are found in an index alone (a deferred join); only its rows are read.
    - A page in the older half is read from the other end of the index (ascending, then
      reversed), so the deepest pages cost what the first ones do."""
    keys = _matching_keys(filters)
    total = _counted_total(session, filters)
    if total is None:
        total = count_rows(session, keys)
    newest_first = (PortingEvent.created_at.desc(), PortingEvent.seq.desc())
    oldest_first = (PortingEvent.created_at.asc(), PortingEvent.seq.asc())
    from_end = page.offset > total // 2
    if from_end:
        size = max(0, min(page.size, total - page.offset))
        page_keys = (keys.order_by(*oldest_first).limit(size)
                     .offset(max(0, total - page.offset - size)).subquery())
    else:
        page_keys = keys.order_by(*newest_first).limit(page.size).offset(page.offset).subquery()
    # Rows of the table's columns, not ORM objects: the page is only rendered (storage/reads.py).
    rows = read_rows(session, select(_events).join(page_keys, page_keys.c.seq == _events.c.seq)
                     .order_by(*newest_first))
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
