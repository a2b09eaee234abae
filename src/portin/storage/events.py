"""The porting event store: append-only, queried newest first within one organization."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Row,
    Select,
    Subquery,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from portin.storage.models import EventCount, EventDayCount, PortingEvent
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
    created_gt: datetime | None = None
    created_lt: datetime | None = None


def count_day(created_at: datetime) -> date:
    """The day of event_day_counts an event is counted in: the UTC date of its created_at."""
    return created_at.astimezone(UTC).date()


def recount(session: Session) -> None:
    """Rebuild event_counts and event_day_counts from porting_events (after a bulk load, or
    as a repair), while events may be written. On PostgreSQL the counters are locked against
    writes first: a writer's increment then waits for the rebuild, and counts on top of it
    exactly the events the rebuild could not see yet (SQLite's writers take turns anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE event_counts, event_day_counts IN EXCLUSIVE MODE"))
    session.execute(delete(EventCount))
    session.execute(insert(cast(Table, EventCount.__table__)).from_select(
        ["organization_id", "event_type", "count"],
        select(PortingEvent.organization_id, PortingEvent.event_type, func.count())
        .group_by(PortingEvent.organization_id, PortingEvent.event_type)))
    # SQLite's date() and PostgreSQL's date() both give the (naive UTC) stored time's day.
    day = func.date(PortingEvent.created_at)
    session.execute(delete(EventDayCount))
    session.execute(insert(cast(Table, EventDayCount.__table__)).from_select(
        ["organization_id", "event_type", "day", "count"],
        select(PortingEvent.organization_id, PortingEvent.event_type, day, func.count())
        .group_by(PortingEvent.organization_id, PortingEvent.event_type, day)))


# The total of an unfiltered or type-filtered page: built once, as every first page asks.
_counts = cast(Table, EventCount.__table__)
_COUNTED = select(func.coalesce(func.sum(_counts.c.count), 0)).where(
    _counts.c.organization_id == bindparam("organization_id"))
_COUNTED_OF_TYPE = _COUNTED.where(_counts.c.event_type == bindparam("event_type"))
_day_counts = cast(Table, EventDayCount.__table__)


def _counted_total(session: Session, filters: EventFilters) -> int | None:
    """The total from the counters when the filters allow it (no order filter), else None:
    event_counts without a time range, event_day_counts (and the edge days) with one."""
    if filters.porting_order_id is not None or filters.order_or_reference is not None:
        return None
    lower, upper = _lower_bound(filters), _upper_bound(filters)
    if lower is not None or upper is not None:
        return _range_total(session, filters, lower, upper)
    if filters.event_type is None:
        found = read_rows(session, _COUNTED, {"organization_id": filters.organization_id})
    else:
        found = read_rows(session, _COUNTED_OF_TYPE, {"organization_id": filters.organization_id,
                                                      "event_type": filters.event_type})
    return int(found[0][0])


@dataclass(frozen=True)
class _Bound:
    at: datetime  # in UTC
    inclusive: bool


def _lower_bound(filters: EventFilters) -> _Bound | None:
    """The tighter of gte and gt (at the same time gt is the tighter)."""
    found = [_Bound(at.astimezone(UTC), inclusive) for at, inclusive in
             ((filters.created_gte, True), (filters.created_gt, False)) if at is not None]
    return max(found, key=lambda b: (b.at, not b.inclusive), default=None)


def _upper_bound(filters: EventFilters) -> _Bound | None:
    """The tighter of lte and lt (at the same time lt is the tighter)."""
    found = [_Bound(at.astimezone(UTC), inclusive) for at, inclusive in
             ((filters.created_lte, True), (filters.created_lt, False)) if at is not None]
    return min(found, key=lambda b: (b.at, b.inclusive), default=None)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


_Side = Literal["inclusive", "exclusive"] | None


@functools.cache
def _range_total_statement(event_type: bool, lower: _Side, upper: _Side) -> Select[Any]:
    """The total of a created_at range: the event_day_counts of the whole days from first_day
    to last_day, plus the rows counted in the index from the lower bound to the end of its
    day (low_day_end) and from the start of the upper bound's day (high_day_start) to the
    upper bound. One statement per shape, built once."""
    c, e = _day_counts.c, _events.c
    days = select(func.coalesce(func.sum(c.count), 0)).where(
        c.organization_id == bindparam("organization_id"))
    rows = select(func.count()).select_from(_events).where(
        e.organization_id == bindparam("organization_id"))
    if event_type:
        days = days.where(c.event_type == bindparam("event_type"))
        rows = rows.where(e.event_type == bindparam("event_type"))
    edges: list[ColumnElement[Any]] = []
    if lower is not None:
        days = days.where(c.day >= bindparam("first_day", type_=Date()))
        low = bindparam("low", type_=UTCDateTime())
        edges.append(rows.where(
            e.created_at >= low if lower == "inclusive" else e.created_at > low,
            e.created_at < bindparam("low_day_end", type_=UTCDateTime())).scalar_subquery())
    if upper is not None:
        days = days.where(c.day <= bindparam("last_day", type_=Date()))
        high = bindparam("high", type_=UTCDateTime())
        edges.append(rows.where(
            e.created_at >= bindparam("high_day_start", type_=UTCDateTime()),
            e.created_at <= high if upper == "inclusive" else e.created_at < high,
        ).scalar_subquery())
    total: ColumnElement[Any] = days.scalar_subquery()
    for edge in edges:
        total = total + edge
    return select(total)


def _range_total(session: Session, filters: EventFilters, lower: _Bound | None,
                 upper: _Bound | None) -> int | None:
    """A created_at range's total without counting its whole days' rows; None when the range
    lies within one day (or is empty), where counting its rows is as cheap."""
    if lower is not None and upper is not None and lower.at.date() >= upper.at.date():
        return None
    values: dict[str, Any] = {"organization_id": filters.organization_id}
    if filters.event_type is not None:
        values["event_type"] = filters.event_type
    if lower is not None:
        day = lower.at.date()
        whole = lower.inclusive and lower.at == _midnight(day)
        # A range that starts at midnight takes its first day whole; its edge is then empty.
        first_day = day if whole else day + timedelta(days=1)
        values |= {"low": lower.at, "first_day": first_day,
                   "low_day_end": lower.at if whole else _midnight(first_day)}
    if upper is not None:
        day = upper.at.date()
        values |= {"high": upper.at, "last_day": day - timedelta(days=1),
                   "high_day_start": _midnight(day)}
    statement = _range_total_statement(
        filters.event_type is not None,
        None if lower is None else "inclusive" if lower.inclusive else "exclusive",
        None if upper is None else "inclusive" if upper.inclusive else "exclusive")
    return int(read_rows(session, statement, values)[0][0])


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
    created_gt: bool
    created_lt: bool


@dataclass(frozen=True)
class _Statements:
    count: Select[Any]
    newest_first: Select[Any]  # a page counted from the newest end
    from_end: Select[Any]      # a page counted from the oldest end, shown newest first


def _filter_values(filters: EventFilters) -> dict[str, Any]:
    values: dict[str, Any] = {"organization_id": filters.organization_id}
    for name in ("event_type", "porting_order_id", "order_or_reference", "created_gte",
                 "created_lte", "created_gt", "created_lt"):
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
    if shape.created_gt:
        keys = keys.where(e.created_at > bindparam("created_gt", type_=UTCDateTime()))
    if shape.created_lt:
        keys = keys.where(e.created_at < bindparam("created_lt", type_=UTCDateTime()))
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

    - The total comes from event_counts when it can (a created_at range's from the
      event_day_counts of its whole days, its partial edge days counted in the index), else
      from counting the index.
    - A page in the older half is read from the other end of the index (ascending, then
      shown newest first), so the deepest pages cost what the first ones do."""
    statements = _statements(_Shape(
        event_type=filters.event_type is not None,
        porting_order_id=filters.porting_order_id is not None,
        order_or_reference=filters.order_or_reference is not None,
        created_gte=filters.created_gte is not None,
        created_lte=filters.created_lte is not None,
        created_gt=filters.created_gt is not None,
        created_lt=filters.created_lt is not None))
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
