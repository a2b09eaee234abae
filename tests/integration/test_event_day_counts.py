"""A created_at range's total_results from event_day_counts (whole days) and the index (the
partial edge days), on SQLite and PostgreSQL: always exactly the number of matching rows, for
any events and any range (gt/gte/lt/lte, open, within a day, with a type); kept true by the
write path, by recount and by retention's deletes. Totals without a range still come from
event_counts (one row per type), which the day counters leave alone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from portin.outbox import pending
from portin.storage import events as event_store
from portin.storage.db import Database
from portin.storage.events import EventFilters
from portin.storage.models import EventCount, EventDayCount, PortingEvent
from portin.storage.paging import PageRequest
from portin.storage.retention import delete_events
from tests.conftest import Tenant

DAY0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)
MICRO = timedelta(microseconds=1)
DAYS = 6
TYPES = ("porting_order.status_changed", "porting_order.new_comment")
BOUNDS = ("created_gte", "created_gt", "created_lte", "created_lt")

# Times within DAYS days, often on or next to a midnight, where day counting could slip.
_MIDNIGHTS = [DAY0 + n * DAY + d for n in range(DAYS + 1) for d in (-MICRO, 0 * MICRO, MICRO)]
times = st.one_of(
    st.integers(0, DAYS * 86_400_000_000).map(lambda us: DAY0 + timedelta(microseconds=us)),
    st.sampled_from(_MIDNIGHTS))
event_types = st.sampled_from(TYPES)
_ELSEWHERE = timezone(timedelta(hours=-5, minutes=-30))


def ranges(events: list[tuple[datetime, str]]) -> st.SearchStrategy[dict[str, datetime]]:
    """Bounds anywhere, before and after the events, on an event's own time or next to it
    (where gt and gte differ), some given in another time zone."""
    near_events = st.sampled_from([created_at + d for created_at, _ in events
                                   for d in (-MICRO, 0 * MICRO, MICRO)] or [DAY0])
    bound = st.one_of(times, near_events,
                      st.sampled_from([DAY0 - 2 * DAY, DAY0 + (DAYS + 2) * DAY]),
                      times.map(lambda t: t.astimezone(_ELSEWHERE)))
    return st.fixed_dictionaries({}, optional=dict.fromkeys(BOUNDS, bound))


def write_events(db: Database, tenant: Tenant, events: list[tuple[datetime, str]]) -> None:
    """By the write path of every event (outbox.pending), which counts them per day."""
    order_id = str(uuid.uuid4())
    with db.writing() as session:
        for created_at, event_type in events:
            pending.record_event(session, {
                "id": str(uuid.uuid4()), "organization_id": tenant.organization_id,
                "porting_order_id": order_id, "event_type": event_type, "payload": {},
                "created_at": created_at}, None)


def forget_events(db: Database, tenant: Tenant) -> None:
    with db.writing() as session:
        session.execute(delete(EventCount).where(
            EventCount.organization_id == tenant.organization_id))
        session.execute(delete(EventDayCount).where(
            EventDayCount.organization_id == tenant.organization_id))
        session.execute(delete(PortingEvent).where(
            PortingEvent.organization_id == tenant.organization_id))


def total(db: Database, tenant: Tenant, event_type: str | None = None, **bounds: Any) -> int:
    with db.reading() as session:
        return event_store.list_events(
            session, EventFilters(tenant.organization_id, event_type=event_type, **bounds),
            PageRequest()).total


def brute_count(events: list[tuple[datetime, str]], event_type: str | None,
                bounds: dict[str, datetime]) -> int:
    def matches(created_at: datetime, kind: str) -> bool:
        tests = {"created_gte": lambda b: created_at >= b, "created_gt": lambda b: created_at > b,
                 "created_lte": lambda b: created_at <= b, "created_lt": lambda b: created_at < b}
        return ((event_type is None or kind == event_type)
                and all(tests[name](value) for name, value in bounds.items()))
    return sum(matches(created_at, kind) for created_at, kind in events)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(events=st.lists(st.tuples(times, event_types), max_size=40), data=st.data())
def test_range_totals_equal_a_count_of_the_rows(
        db: Database, tenant: Tenant, events: list[tuple[datetime, str]], data: st.DataObject,
) -> None:
    forget_events(db, tenant)
    write_events(db, tenant, events)
    for event_type, bounds in data.draw(st.lists(
            st.tuples(st.none() | event_types, ranges(events)), min_size=1, max_size=8)):
        assert total(db, tenant, event_type, **bounds) == brute_count(events, event_type, bounds)


# Three events on each of ten days, at 00:00, 12:00 and 23:59:59.999999, alternating types.
TEN_DAYS = [(DAY0 + n * DAY + at, TYPES[(n + i) % 2])
            for n in range(10)
            for i, at in enumerate((timedelta(0), 12 * timedelta(hours=1), DAY - MICRO))]
CASES: list[tuple[str | None, dict[str, datetime]]] = [
    (None, {"created_gte": DAY0 + 2 * DAY, "created_lte": DAY0 + 7 * DAY}),  # midnights
    (None, {"created_gt": DAY0 + 2 * DAY, "created_lt": DAY0 + 7 * DAY}),
    (None, {"created_gte": DAY0 + 2.5 * DAY, "created_lte": DAY0 + 7.5 * DAY}),  # edge days
    (None, {"created_gte": DAY0 + 3 * DAY - MICRO, "created_lt": DAY0 + 4 * DAY + MICRO}),
    (None, {"created_gte": DAY0 + 4.2 * DAY, "created_lte": DAY0 + 4.9 * DAY}),  # one day
    (None, {"created_gte": DAY0 + 4 * DAY, "created_lt": DAY0 + 5 * DAY}),  # one whole day
    (None, {"created_gte": DAY0 + 4.5 * DAY}),  # open ranges
    (None, {"created_gt": DAY0 + 4 * DAY}),
    (None, {"created_lte": DAY0 + 4.5 * DAY}),
    (None, {"created_lt": DAY0 + 4 * DAY}),
    (TYPES[0], {"created_gte": DAY0 + 1.5 * DAY, "created_lte": DAY0 + 8.5 * DAY}),
    (TYPES[1], {"created_lte": DAY0 + 5 * DAY}),
    (None, {"created_gte": DAY0 + 6 * DAY, "created_lte": DAY0 + 2 * DAY}),  # empty
    (None, {"created_gte": DAY0 + 2 * DAY, "created_gt": DAY0 + 3 * DAY,  # the tighter wins
            "created_lt": DAY0 + 6 * DAY, "created_lte": DAY0 + 9 * DAY}),
]


def test_totals_of_ranges_across_days_edges_and_open_ends(db: Database, tenant: Tenant) -> None:
    write_events(db, tenant, TEN_DAYS)
    for event_type, bounds in CASES:
        assert total(db, tenant, event_type, **bounds) == brute_count(
            TEN_DAYS, event_type, bounds), (event_type, bounds)


def test_whole_days_come_from_their_counters(db: Database, tenant: Tenant) -> None:
    """A range's whole days are read from event_day_counts, not counted (a changed counter
    shows), and recount puts the counters back per day."""
    write_events(db, tenant, TEN_DAYS)
    with db.writing() as session:
        session.execute(update(EventDayCount).where(EventDayCount.day == date(2026, 3, 4))
                        .values(count=EventDayCount.count + 100))
    bounds = {"created_gte": DAY0 + 2.5 * DAY, "created_lte": DAY0 + 7.5 * DAY}
    assert total(db, tenant, **bounds) == brute_count(TEN_DAYS, None, bounds) + 200
    with db.writing() as session:
        event_store.recount(session)
        days = session.execute(select(EventDayCount.day, EventDayCount.count)
                               .where(EventDayCount.event_type == TYPES[0])
                               .order_by(EventDayCount.day)).all()
        of_type = session.execute(select(EventCount.event_type, EventCount.count)
                                  .order_by(EventCount.event_type)).all()
    assert total(db, tenant, **bounds) == brute_count(TEN_DAYS, None, bounds)
    assert [(day, count) for day, count in days] == [
        (date(2026, 3, 1 + n), 2 if n % 2 == 0 else 1) for n in range(10)]
    assert sorted((kind, count) for kind, count in of_type) == [(TYPES[1], 15), (TYPES[0], 15)]


def test_totals_without_a_range_read_one_row_per_type(db: Database, tenant: Tenant) -> None:
    """The split: the write path keeps one event_counts row per type (however many days) and
    one event_day_counts row per type and day; totals without a range read only the first
    (right with every day counter gone), a range's whole days only the second."""
    write_events(db, tenant, TEN_DAYS)
    with db.reading() as session:
        per_type = session.execute(select(EventCount.event_type, EventCount.count)).all()
        per_day = session.execute(select(func.count()).select_from(EventDayCount)).scalar_one()
    assert sorted((kind, count) for kind, count in per_type) == [(TYPES[1], 15), (TYPES[0], 15)]
    assert per_day == 20
    with db.writing() as session:
        session.execute(delete(EventDayCount))
    assert total(db, tenant) == 30
    assert total(db, tenant, TYPES[0]) == 15
    bounds = {"created_gte": DAY0 + 2.5 * DAY, "created_lte": DAY0 + 7.5 * DAY}
    # The whole days, March 4-7 (12 events), are gone; the edge days' 4 rows are still counted.
    assert total(db, tenant, **bounds) == brute_count(TEN_DAYS, None, bounds) - 12 == 4


def test_retention_lowers_the_counter_of_each_event_s_day(db: Database, tenant: Tenant) -> None:
    write_events(db, tenant, TEN_DAYS)
    with db.reading() as session:
        stored = session.execute(select(PortingEvent.id, PortingEvent.created_at)
                                 .order_by(PortingEvent.created_at)).all()
    gone = {row.id for row in stored[::4]}
    with db.writing() as session:
        assert delete_events(session, sorted(gone))[0] == len(gone)
    left = [event for event, row in zip(TEN_DAYS, stored, strict=True) if row.id not in gone]
    for event_type, bounds in CASES:
        assert total(db, tenant, event_type, **bounds) == brute_count(left, event_type, bounds)
