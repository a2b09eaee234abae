"""The outbox's claims and attempt records, straight against the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, update

from portin.domain.endpoint_health import destination_id
from portin.domain.timefmt import utcnow
from portin.outbox.queries import SQL
from portin.outbox.queue import DeliveryQueue
from portin.outbox.rows import AttemptRecord, Claimed
from portin.outbox.spelling import SPELLINGS
from portin.storage.db import Database, compact_json
from portin.storage.models import Delivery, DeliveryAttempt, DeliveryDestination, PortingEvent
from tests.conftest import Api


def record_for(claimed: Claimed) -> AttemptRecord:
    now = utcnow()
    return AttemptRecord(claimed=claimed, status="delivered", delivery_status="delivered",
                         next_attempt_at=None, started_at=now, finished_at=now, duration_ms=1,
                         http=None, email=None, error=None, errors=[])


def make_deliveries(api: Api, count: int) -> None:
    api.subscribe("webhook", "http://127.0.0.1:9/hook")
    order = api.create_order("+13032220001")
    api.confirm(order["id"])
    for i in range(count - 1):
        api.user("POST", f"/v2/porting_orders/{order['id']}/comments", 201,
                 json={"body": f"c{i}"})


def claim(db: Database, worker: str, limit: int = 100, per_destination: int = 100,
          busy: tuple[str, ...] = (), in_flight: dict[str, int] | None = None
          ) -> list[Claimed]:
    """A claim by `worker`, which is sending `in_flight` (destination: count) now; a `busy`
    destination has its whole cap in flight."""
    now = utcnow()
    sending = {**(in_flight or {}), **dict.fromkeys(busy, per_destination)}
    with db.driver_writing() as connection:
        return queue(db, connection).claim(worker, now, now + timedelta(seconds=30), limit,
                                           per_destination, sending)


def queue(db: Database, connection: object) -> DeliveryQueue:
    return DeliveryQueue(connection, db.engine.dialect.name)


def record(db: Database, worker: str, records: list[AttemptRecord]) -> int:
    with db.driver_writing() as connection:
        return queue(db, connection).record(worker, records)


def test_claims_are_exclusive_and_capped_per_destination(api: Api, db: Database) -> None:
    make_deliveries(api, 5)
    first = claim(db, "a", per_destination=3)
    assert len(first) == 3
    assert all(c.attempt == 1 for c in first)
    second = claim(db, "b")
    assert len(second) == 2
    assert not {c.delivery_id for c in first} & {c.delivery_id for c in second}
    assert claim(db, "c") == []
    assert claim(db, "d", busy=("http://127.0.0.1:9/hook",)) == []


def test_a_lost_lease_is_not_recorded_and_the_rest_are(api: Api, db: Database) -> None:
    make_deliveries(api, 4)
    claimed = claim(db, "me")
    stolen = claimed[1].delivery_id
    with db.writing() as session:  # the lease ran out and another worker took it over
        session.execute(update(Delivery).where(Delivery.id == stolen)
                        .values(leased_by="other"))
    recorded = record(db, "me", [record_for(c) for c in claimed])
    assert recorded == 3
    with db.reading() as session:
        attempts = set(session.execute(select(DeliveryAttempt.delivery_id)).scalars())
        statuses = dict(session.execute(select(Delivery.id, Delivery.status)).all())
    assert attempts == {c.delivery_id for c in claimed} - {stolen}
    assert statuses[stolen] == "pending"
    assert [s for d, s in statuses.items() if d != stolen] == ["delivered"] * 3


def test_recorded_times_are_stored_in_one_form_and_read_back_as_utc(
        api: Api, db: Database) -> None:
    make_deliveries(api, 1)
    (claimed,) = claim(db, "me")
    now = utcnow()
    retry_at = now + timedelta(seconds=5)
    record(db, "me", [AttemptRecord(
        claimed=claimed, status="failed", delivery_status="pending",
        next_attempt_at=retry_at, started_at=now, finished_at=now, duration_ms=1,
        http=None, email=None, error="HTTP 503", errors=[503])])
    with db.reading() as session:
        row = session.execute(select(Delivery)).scalar_one()
    assert (row.started_at, row.next_attempt_at, row.finished_at) == (now, retry_at, now)
    if db.is_sqlite:  # stored as text: every time in the same form, so they compare right
        with db.driver_reading() as connection:
            (stored,) = connection.execute(
                "SELECT started_at, next_attempt_at, finished_at FROM deliveries").fetchall()
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", t) for t in stored)


def test_the_queue_reads_and_writes_what_the_orm_does(api: Api, db: Database) -> None:
    """The queue's plain SQL and the ORM agree on every value: times, JSON, payload text."""
    make_deliveries(api, 2)
    claimed = claim(db, "me")
    with db.reading() as session:
        events = {e.id: e for e in session.execute(select(PortingEvent)).scalars()}
        rows = {d.id: d for d in session.execute(select(Delivery)).scalars()}
    assert [c.event_id for c in claimed] == sorted(
        (c.event_id for c in claimed), key=lambda e: events[e].created_at)  # oldest due first
    for item in claimed:
        event, row = events[item.event_id], rows[item.delivery_id]
        assert (item.organization_id, item.method, item.destination, item.created_at) == (
            row.organization_id, row.method, row.destination, row.created_at)
        assert (item.event_type, item.porting_order_id, item.occurred_at) == (
            event.event_type, event.porting_order_id, event.created_at)
        assert item.payload == event.payload
        assert item.payload_json == compact_json(event.payload)
    http = {"request": {"url": "http://127.0.0.1:9/hook", "headers": [["a", "b"]]},
            "response": {"status": 200, "headers": [], "body": "ok ✓"}}
    now = utcnow()
    assert record(db, "me", [AttemptRecord(
        claimed=claimed[0], status="delivered", delivery_status="delivered",
        next_attempt_at=None, started_at=now, finished_at=now + timedelta(milliseconds=3),
        duration_ms=3, http=http, email=None, error=None, errors=[])]) == 1
    with db.reading() as session:
        attempt = session.execute(select(DeliveryAttempt)).scalar_one()
        delivery = session.get(Delivery, claimed[0].delivery_id)
    assert (attempt.http, attempt.email, attempt.errors, attempt.sent_by) == (http, None, [], "me")
    assert (attempt.started_at, attempt.finished_at, attempt.attempt) == (
        now, now + timedelta(milliseconds=3), 1)
    assert delivery is not None
    assert (delivery.status, delivery.attempt_count, delivery.leased_by, delivery.started_at,
            delivery.next_attempt_at) == ("delivered", 1, None, now, rows[delivery.id].created_at)


def test_a_connection_that_dies_mid_transaction_is_dropped_and_its_error_kept(
        postgres_db: Database) -> None:
    with pytest.raises(psycopg.OperationalError, match="terminating connection"):  # noqa: PT012
        with postgres_db.driver_writing() as connection:
            cursor = connection.cursor()
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    with postgres_db.driver_writing() as connection:  # a new connection, not the dead one
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        assert cursor.fetchall() == [(1,)]
    assert postgres_db.engine.pool.checkedout() == 0


def test_a_worker_releases_its_own_leases_but_not_what_it_sends_nor_others(
        api: Api, db: Database) -> None:
    """After a claim whose commit the worker could not confirm (the connection was cut
    between the commit and its answer), its leases are released, so those deliveries go out
    now instead of when the lease runs out."""
    make_deliveries(api, 4)
    mine = claim(db, "me", limit=3)
    theirs = claim(db, "them")
    sending = mine[0].delivery_id
    with db.driver_writing() as connection:
        released = queue(db, connection).release_leases("me", [sending])
    assert released == 2
    again = claim(db, "me")
    assert sorted(c.delivery_id for c in again) == sorted(c.delivery_id for c in mine[1:])
    assert sending not in {c.delivery_id for c in claim(db, "other")}
    with db.reading() as session:
        leased_by = dict(session.execute(select(Delivery.id, Delivery.leased_by)).all())
    assert {leased_by[c.delivery_id] for c in theirs} == {"them"}


def deliveries_made_as_retries(api: Api, db: Database, count: int, retries: int,
                               attempts_made: int, due_ago: timedelta) -> list[str]:
    """`count` deliveries, oldest first; the first `retries` of them made retries that have
    been due since `due_ago` (a second apart, oldest first). The rest stay new."""
    make_deliveries(api, count)
    now = utcnow()
    with db.reading() as session:
        ids = list(session.execute(select(Delivery.id)
                                   .order_by(Delivery.created_at, Delivery.id)).scalars())
    with db.writing() as session:
        for n, delivery_id in enumerate(ids[:retries]):
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
                attempt_count=attempts_made,
                next_attempt_at=now - due_ago + timedelta(seconds=n)))
    return ids


def test_new_first_attempts_get_a_share_of_each_claim_while_a_backlog_drains(
        api: Api, db: Database) -> None:
    """Eight retries have been due for an hour (a receiver back from an outage); two new events
    came since. A claim of 4 takes the 3 oldest retries and the older new one; the next claim
    the next 3 retries and the other new one: new events are not queued behind the
    whole backlog, and the backlog still drains oldest first."""
    ids = deliveries_made_as_retries(api, db, 10, retries=8, attempts_made=3,
                                     due_ago=timedelta(hours=1))
    first = [c.delivery_id for c in claim(db, "a", limit=4)]
    assert first == [*ids[:3], ids[8]]  # oldest due first
    assert [c.attempt for c in claim(db, "a", limit=4)] == [4, 4, 4, 1]
    assert sorted(c.delivery_id for c in claim(db, "a", limit=4)) == sorted(ids[6:8])


def test_without_new_events_the_claim_is_all_backlog_oldest_first(
        api: Api, db: Database) -> None:
    ids = deliveries_made_as_retries(api, db, 6, retries=6, attempts_made=1,
                                     due_ago=timedelta(minutes=10))
    assert [c.delivery_id for c in claim(db, "a", limit=4)] == ids[:4]


A, B, C = "http://127.0.0.1:9/a", "http://127.0.0.1:9/b", "http://127.0.0.1:9/c"


def retries_to(api: Api, db: Database, destinations: list[str],
               retries: int | None = None) -> list[str]:
    """One delivery per entry, to that destination: the first `retries` of them (all by
    default) due retries, due a second apart in this order; the rest new."""
    ids = deliveries_made_as_retries(
        api, db, len(destinations), retries=len(destinations) if retries is None else retries,
        attempts_made=1, due_ago=timedelta(hours=1))
    with db.writing() as session:
        for delivery_id, destination in zip(ids, destinations, strict=True):
            session.execute(update(Delivery).where(Delivery.id == delivery_id)
                            .values(destination=destination))
    return ids


def test_a_busy_destination_holding_the_oldest_due_does_not_hold_up_the_others(
        api: Api, db: Database) -> None:
    """A claim of 2 reads a window of the 8 oldest due: here all to A, which is busy. The claim
    looks past it and takes B's oldest two, in due order."""
    ids = retries_to(api, db, [A] * 12 + [B] * 3)
    assert [c.delivery_id for c in claim(db, "w", limit=2, busy=(A,))] == ids[12:14]
    assert [c.delivery_id for c in claim(db, "w", limit=2, busy=(A,))] == ids[14:]
    assert claim(db, "w", limit=2, busy=(A,)) == []


def test_a_destination_at_its_cap_in_the_window_leaves_the_rest_of_the_claim_to_others(
        api: Api, db: Database) -> None:
    """A claim of 4 reads a window of the 16 oldest due, all to A; it takes A's two (its cap)
    and looks past the window for the rest."""
    ids = retries_to(api, db, [A] * 20 + [B] * 3)
    taken = claim(db, "w", limit=4, per_destination=2)
    assert [c.delivery_id for c in taken] == [*ids[:2], *ids[20:22]]  # oldest due first


def test_the_look_past_the_window_pauses_a_disabled_destination_and_takes_the_next(
        api: Api, db: Database) -> None:
    """B is disabled: its due delivery found past the window is paused, not sent, and C's is
    taken. A's stay pending and due, untouched."""
    ids = retries_to(api, db, [A] * 8 + [B, C])
    with db.reading() as session:
        organization_id = session.execute(select(Delivery.organization_id)).scalars().first()
    assert organization_id is not None
    now = utcnow()
    with db.writing() as session:
        session.add(DeliveryDestination(
            id=destination_id(organization_id, "webhook", B), organization_id=organization_id,
            method="webhook", destination=B, state="disabled", disabled_at=now,
            disabled_reason="manual", created_at=now, updated_at=now))
    assert [c.delivery_id for c in claim(db, "w", limit=1, busy=(A,))] == [ids[9]]
    with db.reading() as session:
        statuses = dict(session.execute(select(Delivery.id, Delivery.status)).all())
    assert statuses[ids[8]] == "paused"
    assert {statuses[delivery_id] for delivery_id in ids[:8]} == {"pending"}


def test_a_destination_with_some_in_flight_gets_only_what_its_cap_has_left(
        api: Api, db: Database) -> None:
    ids = retries_to(api, db, [A] * 6 + [B] * 2)
    taken = claim(db, "w", limit=8, per_destination=3, in_flight={A: 2})
    assert [c.delivery_id for c in taken] == [ids[0], *ids[6:]]


def test_new_deliveries_to_a_busy_destination_do_not_use_up_the_share_of_new_ones(
        api: Api, db: Database) -> None:
    """Twenty retries to C fill the window and the claim; A is busy and has the two oldest
    new deliveries, B the newest. The share of new deliveries (1 of a claim of 4) reads past
    A's and takes B's, instead of leaving new events behind the retries."""
    ids = retries_to(api, db, [C] * 20 + [A, A, B], retries=20)
    taken = claim(db, "w", limit=4, busy=(A,))
    assert [c.delivery_id for c in taken] == [*ids[:3], ids[22]]


def test_a_look_for_due_work_keeps_the_claims_statements_prepared(
        postgres_database: str) -> None:
    """psycopg forgets every statement it has prepared on a connection when a transaction
    there rolls back. The worker's look for due work between claims must not roll back, or
    each claim is planned anew: 3 ms a claim with the partitions."""
    db = Database(postgres_database)  # its own pool: one connection, the one looked at below
    try:
        for _ in range(7):  # psycopg prepares a statement at its sixth run
            with db.driver_reading() as connection:
                queue(db, connection).any_due(utcnow())
            claim(db, "w")
        with db.driver_reading() as connection:
            cursor = connection.cursor()
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
    finally:
        db.dispose()
    assert any(statement.startswith("WITH fresh AS") for statement in prepared), prepared
    assert any(statement.startswith("SELECT 1 FROM deliveries") for statement in prepared)


def test_the_claims_window_is_read_in_due_order_not_sorted_whole(api: Api, db: Database
                                                                  ) -> None:
    """On partitions the window in due order must be a merge of each partition's index scan,
    which stops at the window's size. A queue table's statistics say it holds few due rows
    (here: analyzed when all were sent), and the planner would rather sort them all: every
    due row read at every claim."""
    if db.is_sqlite:
        pytest.skip("SQLite's tables are not partitioned")
    make_deliveries(api, 40)
    record(db, "w", [record_for(c) for c in claim(db, "w")])
    spelling = SPELLINGS["postgresql"]
    assert spelling.before_claim is not None
    with db.driver_writing() as connection:
        cursor = connection.cursor()
        cursor.execute("ANALYZE deliveries")
        cursor.execute(spelling.before_claim)
        cursor.execute("EXPLAIN (FORMAT JSON) " + SQL["postgresql"]["candidates"],
                       {"now": spelling.to_db(utcnow()), "fresh": 8, "candidates": 32})
        (plan,), = cursor.fetchall()
    assert "Sort" not in set(_node_types(plan[0]["Plan"])), plan
    assert "Merge Append" in set(_node_types(plan[0]["Plan"]))


def _node_types(node: dict[str, Any]) -> Iterator[str]:
    yield node["Node Type"]
    for child in node.get("Plans", []):
        yield from _node_types(child)


def test_sorts_are_off_for_the_window_alone(postgres_db: Database) -> None:
    """The rest of the claim plans with sorts: its look past the window must sort what it
    found, and without sorts the planner picked a plan that took 6.9 s at 1,000 due to one
    destination (0.16 s with them)."""
    with postgres_db.driver_writing() as connection:
        now = utcnow()
        queue(postgres_db, connection).claim("w", now, now + timedelta(seconds=30), 4, 1, {})
        cursor = connection.cursor()
        cursor.execute("SELECT current_setting('enable_sort'),"
                       " current_setting('enable_bitmapscan')")
        assert cursor.fetchall() == [("on", "off")]
