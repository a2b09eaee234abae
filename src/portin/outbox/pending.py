"""The outbox's rows of one transaction, kept until the transaction writes them, in bulk.

Recording an event adds its row here, with what its deliveries need (its order's
webhook_url). They are written just before the transaction commits, or before the same session
runs any query, so a transaction still reads its own events: the destinations subscribed then
are read (`fan_out`, once per organization), the events numbered (`storage/event_positions`),
and events, their counts and their deliveries inserted with one statement per table. A change
that records many events (a split, a burst from the porting desk) then costs a few
statements, not three per event. A rolled-back transaction drops them with everything else.

The database handle attaches the hooks that do this to its session factories (`attach`); a
session made elsewhere has none, and recording an event in it raises instead of losing rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Insert, Table, bindparam, event, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from portin.outbox import fan_out
from portin.outbox.wake import wake_at_commit
from portin.storage import event_positions
from portin.storage.events import count_day
from portin.storage.models import Delivery, EventCount, EventDayCount, PortingEvent

_KEY = "portin.outbox_pending"
_ATTACHED = "portin.outbox_attached"

_events = cast(Table, PortingEvent.__table__)
_deliveries = cast(Table, Delivery.__table__)
_counts = cast(Table, EventCount.__table__)
_day_counts = cast(Table, EventDayCount.__table__)


def _add_to_count(dialect_insert: Any, counts: Table) -> Insert:
    """Add `added` to the counter of a key; the key's columns are bound by their names."""
    key = list(counts.primary_key.columns)
    statement = dialect_insert(counts).values(
        {column.name: bindparam(column.name) for column in key} | {"count": bindparam("added")})
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=key, set_={"count": counts.c.count + statement.excluded.count})


# Built once: running a cached statement costs far less than building one.
_INSERT_EVENTS = insert(_events)
_INSERT_DELIVERIES = insert(_deliveries)
_ADD_TO_COUNT = {"postgresql": _add_to_count(postgresql_insert, _counts),
                 "sqlite": _add_to_count(sqlite_insert, _counts)}
_ADD_TO_DAY_COUNT = {"postgresql": _add_to_count(postgresql_insert, _day_counts),
                     "sqlite": _add_to_count(sqlite_insert, _day_counts)}


@dataclass
class PendingRows:
    events: list[dict[str, Any]] = field(default_factory=list)
    # Each event's order's webhook_url when it was recorded (its deliveries are made at write).
    webhook_urls: list[str | None] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)


def _pending(session: Session) -> PendingRows:
    if not session.info.get(_ATTACHED):
        raise RuntimeError("rows recorded in a session without the outbox's hooks would never"
                           " be written: use Database.writing()")
    rows: PendingRows = session.info.setdefault(_KEY, PendingRows())
    return rows


def record_event(session: Session, row: dict[str, Any], order_webhook_url: str | None
                 ) -> None:
    """Add an event to the caller's transaction, with deliveries to wherever it is subscribed
    when the transaction writes it. Events are never updated or deleted."""
    rows = _pending(session)
    rows.events.append(row)
    rows.webhook_urls.append(order_webhook_url)


def add_deliveries(session: Session, deliveries: list[dict[str, Any]]) -> None:
    """New deliveries of events already stored (a republish, a recover), written with the
    transaction's other rows; the workers are woken when it commits."""
    if deliveries:
        _pending(session).deliveries.extend(deliveries)
        wake_at_commit(session)


def write(session: Session) -> None:
    """Write what is pending: the events' deliveries found, the events numbered and inserted
    (deliveries refer to them), then their counts in event_counts and event_day_counts, then
    the deliveries."""
    rows: PendingRows | None = session.info.pop(_KEY, None)
    if rows is None or not (rows.events or rows.deliveries):
        return
    connection = session.connection()
    deliveries = list(rows.deliveries)
    if rows.events:
        found = fan_out.targets_of_many(connection, [
            (row["organization_id"], row["event_type"], url)
            for row, url in zip(rows.events, rows.webhook_urls, strict=True)])
        for row, targets in zip(rows.events, found, strict=True):
            row["notification_methods"] = sorted({t.method for t in targets})
        event_positions.assign(connection, rows.events)
        connection.execute(_INSERT_EVENTS, rows.events)
        added = Counter((row["organization_id"], row["event_type"], count_day(row["created_at"]))
                        for row in rows.events)
        of_type: Counter[tuple[str, str]] = Counter()
        for (organization_id, event_type, _), n in added.items():
            of_type[organization_id, event_type] += n
        # event_counts before event_day_counts, each in key order, as retention (no deadlock).
        connection.execute(_ADD_TO_COUNT[connection.dialect.name], [
            {"organization_id": organization_id, "event_type": event_type, "added": n}
            for (organization_id, event_type), n in sorted(of_type.items())])
        connection.execute(_ADD_TO_DAY_COUNT[connection.dialect.name], [
            {"organization_id": organization_id, "event_type": event_type, "day": day,
             "added": n}
            for (organization_id, event_type, day), n in sorted(added.items())])
        deliveries += _deliveries_of(connection, rows.events, found)
    if deliveries:
        connection.execute(_INSERT_DELIVERIES, deliveries)
        wake_at_commit(session)


def _deliveries_of(connection: Connection, events: list[dict[str, Any]],
                   found: list[list[fan_out.Target]]) -> list[dict[str, Any]]:
    """One pending delivery per event and target. An ordered channel's delivery keeps its
    event's place in line (order, seq): the seqs are read only when one is ordered."""
    ordered = [row["id"] for row, targets in zip(events, found, strict=True)
               if any(t.ordered for t in targets)]
    seqs: dict[str, int] = {row.id: row.seq for row in connection.execute(
        select(PortingEvent.id, PortingEvent.seq).where(PortingEvent.id.in_(ordered)))
    } if ordered else {}
    return [fan_out.delivery_row(
        row["organization_id"], row["id"], row["event_type"], target, row["created_at"],
        False, (row["porting_order_id"], seqs[row["id"]]) if target.ordered else None)
        for row, targets in zip(events, found, strict=True) for target in targets]


def attach(sessions: sessionmaker[Session]) -> None:
    """Write the pending rows of every session `sessions` makes before it commits or runs a
    query, and drop them when it rolls back.

    Whenever events are written, the ORM's pending changes are flushed first (an order's UPDATE
    takes its row lock), so the event counters (storage/event_positions.py) are always locked
    after the rows a transaction changes, never before: two writers of one order then cannot
    deadlock, and the organization's next writer waits the shortest time. (The flush also
    makes subscription changes of the same transaction count.)"""
    event.listen(sessions, "after_transaction_create", _mark_attached)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "do_orm_execute", _before_query)
    event.listen(sessions, "after_rollback", _after_rollback)


def _mark_attached(session: Session, _transaction: object) -> None:
    session.info[_ATTACHED] = True


def _before_commit(session: Session) -> None:
    if _KEY in session.info:
        session.flush()
    write(session)


def _before_query(state: ORMExecuteState) -> None:
    session = state.session
    if _KEY in session.info and session.autoflush:  # the autoflush would come after this
        session.flush()
    write(session)


def _after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)


def due_now(session: Session, delivery_id: str, now: datetime) -> None:
    """A pending delivery brought forward: its next attempt is due now (the workers are woken
    when the transaction commits)."""
    session.execute(update(Delivery).where(Delivery.id == delivery_id,
                                           Delivery.status == "pending")
                    .values(next_attempt_at=now))
    wake_at_commit(session)
