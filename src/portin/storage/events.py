"""The porting event store: append-only, queried newest first within one organization."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Row,
    Select,
    Subquery,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from portin.storage.models import EventCount, PortingEvent
from portin.storage.orders import order_ids_named
from portin.storage.paging import Page, PageRequest
from portin.storage.reads import rows as read_rows
from portin.storage.types import UTCDateTime

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
_counts = cast(Table, EventCount.__table__)
_COUNTED = select(func.coalesce(func.sum(_counts.c.count), 0)).where(
    _counts.c.organization_id == bindparam("organization_id"))
_COUNTED_OF_TYPE = _COUNTED.where(_counts.c.event_type == bindparam("event_type"))


def _counted_total(session: Session, filters: EventFilters) -> int | None:
    """The total from event_counts when the filters allow it (no order, no time range)."""
    if (filters.porting_order_id is not None or filters.order_or_reference is not None
            or filters.created_gte is not None
            or filters.created_lte is not None):
        return None
    if filters.event_type is None:
        found = read_rows(session, _COUNTED, {"organization_id": filters.organization_id})
    else:
        found = read_rows(session, _COUNTED_OF_TYPE, {"organization_id": filters.organization_id,
                                                      "event_type": filters.event_type})
    return int(found[0][0])


def get_event(session: Session, event_id: str, organization_id: str) -> PortingEvent | None:
    return session.execute(
        select(PortingEvent).where(PortingEvent.id == event_id,
                                   PortingEvent.organization_id == organization_id)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class _Shape:
    """Which filters a page has: the statements of each shape are built once (`_statements`),
    with the filters' values, the page size and the offset as bound parameters. Building a
    statement costs more than running it (about 300 µs against 100 µs on SQLite)."""

    event_type: bool
    porting_order_id: bool
    order_or_reference: bool
    created_gte: bool
    created_lte: bool


@dataclass(frozen=True)
class _Statements:
    count: Select[Any]
    newest_first: Select[Any]  # a page counted from the newest end
    from_end: Select[Any]      # a page counted from the oldest end, shown newest first


def _filter_values(filters: EventFilters) -> dict[str, Any]:
    values: dict[str, Any] = {"organization_id": filters.organization_id}
    for name in ("event_type", "porting_order_id", "order_or_reference", "created_gte",
                 "created_lte"):
        if getattr(filters, name) is not None:
            values[name] = getattr(filters, name)
    return values


@functools.cache
def _statements(shape: _Shape) -> _Statements:
    e = _events.c
    keys = select(e.seq).where(e.organization_id == bindparam("organization_id"))
    if shape.event_type:
        keys = keys.where(e.event_type == bindparam("event_type"))
    if shape.porting_order_id:
        keys = keys.where(e.porting_order_id == bindparam("porting_order_id"))
    if shape.order_or_reference:
        keys = keys.where(e.porting_order_id.in_(order_ids_named(
            bindparam("organization_id"), bindparam("order_or_reference"))))
    if shape.created_gte:
        keys = keys.where(e.created_at >= bindparam("created_gte", type_=UTCDateTime()))
    if shape.created_lte:
        keys = keys.where(e.created_at <= bindparam("created_lte", type_=UTCDateTime()))
    newest_first = (e.created_at.desc(), e.seq.desc())
    oldest_first = (e.created_at.asc(), e.seq.asc())

    def page_of(page_keys: Subquery) -> Select[Any]:
        # The page's keys are found in an index alone (a deferred join); only its rows are read.
        return (select(_events).join(page_keys, page_keys.c.seq == e.seq)
                .order_by(*newest_first))

    window = {"limit": bindparam("size", type_=BigInteger()),
              "offset": bindparam("offset", type_=BigInteger())}
    return _Statements(
        count=select(func.count()).select_from(keys.subquery()),
        newest_first=page_of(keys.order_by(*newest_first).limit(window["limit"])
                             .offset(window["offset"]).subquery()),
        from_end=page_of(keys.order_by(*oldest_first).limit(window["limit"])
                         .offset(window["offset"]).subquery()))


def list_events(session: Session, filters: EventFilters, page: PageRequest) -> Page[Row[Any]]:
    """Newest first.

    - The total comes from event_counts when it can, else from counting the index.
    - A page in the older half is read from the other end of the index (ascending, then
      shown newest first), so the deepest pages cost what the first ones do."""
    statements = _statements(_Shape(
        event_type=filters.event_type is not None,
        porting_order_id=filters.porting_order_id is not None,
        order_or_reference=filters.order_or_reference is not None,
        created_gte=filters.created_gte is not None,
        created_lte=filters.created_lte is not None))
    values = _filter_values(filters)
    total = _counted_total(session, filters)
    if total is None:
        total = int(read_rows(session, statements.count, values)[0][0])
    if page.offset > total // 2:
        size = max(0, min(page.size, total - page.offset))
        window = {"size": size, "offset": max(0, total - page.offset - size)}
        rows = read_rows(session, statements.from_end, values | window)
    else:
        window = {"size": page.size, "offset": page.offset}
        rows = read_rows(session, statements.newest_first, values | window)
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
