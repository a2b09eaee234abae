"""The event feed misses nothing and repeats nothing while many transactions commit at once
(real PostgreSQL, READ COMMITTED, many threads); an auto-increment id would skip.

Why: a position is only worth following if no transaction can later commit a smaller one.
An auto-increment id is taken at INSERT and committed whenever its transaction ends, so a
reader that has seen 8 may meet 7 afterwards (`test_following_the_auto_increment_id_skips`
makes that happen). Feed positions come from an organization's counter row, locked from the
moment they are taken until commit (storage/event_positions.py), so they are committed in
order (`test_a_second_writer_waits_until_the_first_commits`) and a concurrent follower sees
every committed event exactly once (`test_a_follower_sees_every_committed_event_once`).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portin.api.app import create_app
from portin.config import Settings
from portin.outbox import pending
from portin.services import event_feed
from portin.storage.db import Database
from portin.storage.models import PortingEvent, PortingOrder
from tests.conftest import Api, make_operator_headers, make_tenant
from tests.integration.test_event_writes import record_comment

WRITERS = 8
TRANSACTIONS_PER_WRITER = 25
ORDERS = 4


@pytest.fixture
def pg_api(postgres_db: Database) -> Iterator[Api]:
    settings = Settings(database_url=postgres_db.url, rate_limit_enabled=False)
    with TestClient(create_app(settings, postgres_db)) as client:
        yield Api(client, make_tenant(postgres_db), make_operator_headers(postgres_db))


def orders(api: Api, count: int) -> list[str]:
    return [api.create_order(f"+1303222{i:04d}")["id"] for i in range(count)]


def follow(db: Database, organization_id: str, after: int) -> tuple[list[PortingEvent], int]:
    with db.reading() as session:
        page = event_feed.read(session, organization_id, after, 50)
    return page.events, page.next_after


def test_a_follower_sees_every_committed_event_once(pg_api: Api, postgres_db: Database) -> None:
    db = postgres_db
    organization_id = pg_api.tenant.organization_id
    order_ids = orders(pg_api, ORDERS)
    _, start = follow(db, organization_id, 0)  # past the orders' own events (none: drafts)
    committed: list[str] = []
    committed_lock = threading.Lock()
    failures: list[BaseException] = []
    writers_done = threading.Event()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for t in range(TRANSACTIONS_PER_WRITER):
                ids: list[str] = []
                try:
                    with db.writing() as session:
                        for _ in range(rng.randint(1, 3)):
                            ids.append(record_comment(session, rng.choice(order_ids),
                                                      f"w{seed}-{t}"))
                        pending.write(session)  # the positions are taken here
                        time.sleep(rng.random() * 0.004)  # a window before the commit
                        if rng.random() < 0.1:
                            raise _Abandoned
                except _Abandoned:
                    continue  # rolled back: its numbers go back to the counters
                with committed_lock:
                    committed.extend(ids)
        except BaseException as exc:
            failures.append(exc)

    seen: list[PortingEvent] = []

    def reader() -> None:
        after = start
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline:
                finished = writers_done.is_set()
                events, after = follow(db, organization_id, after)
                seen.extend(events)
                if finished and not events:
                    return
            raise AssertionError("the reader did not catch up in time")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    follower = threading.Thread(target=reader)
    follower.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    writers_done.set()
    follower.join(timeout=130)
    assert not failures, failures
    assert not follower.is_alive() and not any(t.is_alive() for t in threads)

    seen_ids = [e.id for e in seen]
    assert len(seen_ids) == len(set(seen_ids))  # never twice
    assert set(seen_ids) == set(committed)  # never missed
    assert len(committed) > WRITERS * TRANSACTIONS_PER_WRITER  # rolled back ones aside
    positions = [e.feed_position for e in seen]
    assert positions == list(range(start + 1, start + 1 + len(seen)))  # no gaps, in order
    with db.reading() as session:
        stored = session.execute(select(PortingEvent.porting_order_id, PortingEvent.sequence)
                                 .order_by(PortingEvent.feed_position)).all()
    by_order: dict[str, list[int]] = {}
    for order_id, sequence in stored:
        by_order.setdefault(order_id, []).append(sequence)
    for sequences in by_order.values():  # each order's numbered 1..n, in feed order
        assert sequences == list(range(1, len(sequences) + 1))


class _Abandoned(Exception):
    """A writer's change that fails after its events were inserted."""


def test_a_second_writer_waits_until_the_first_commits(pg_api: Api,
                                                      postgres_db: Database) -> None:
    db = postgres_db
    organization_id = pg_api.tenant.organization_id
    first_order, second_order = orders(pg_api, 2)
    second_done = threading.Event()
    second_ids: list[str] = []

    def second_writer() -> None:
        with db.writing() as session:
            second_ids.append(record_comment(session, second_order, "second"))
        second_done.set()

    with db.writing() as session:
        first_id = record_comment(session, first_order, "first")
        pending.write(session)  # position 1 taken; its counter row stays locked
        thread = threading.Thread(target=second_writer)
        thread.start()
        # The second cannot take a position, so cannot commit, before the first commits.
        assert not second_done.wait(0.5)
        assert follow(db, organization_id, 0)[0] == []
    assert second_done.wait(10)
    thread.join(timeout=10)
    events, last = follow(db, organization_id, 0)
    assert [(e.id, e.feed_position) for e in events] == [(first_id, 1), (second_ids[0], 2)]
    assert last == 2


def test_a_rolled_back_writer_leaves_no_gap(pg_api: Api, postgres_db: Database) -> None:
    db = postgres_db
    organization_id = pg_api.tenant.organization_id
    (order_id,) = orders(pg_api, 1)

    def abandoned() -> None:
        with db.writing() as session:
            record_comment(session, order_id, "lost")
            pending.write(session)
            raise _Abandoned

    with pytest.raises(_Abandoned):
        abandoned()
    with db.writing() as session:
        kept = record_comment(session, order_id, "kept")
    events, _ = follow(db, organization_id, 0)
    assert [(e.id, e.feed_position, e.sequence) for e in events] == [(kept, 1, 1)]


def _insert_naively(connection: psycopg.Connection[tuple[object, ...]], organization_id: str,
                    order_id: str, event_id: str, position: int) -> int:
    """An event inserted as any row would be: its seq is the auto-increment's next value."""
    row = connection.execute(
        "INSERT INTO porting_events (id, organization_id, porting_order_id, event_type,"
        " payload, notification_methods, created_at, sequence, feed_position)"
        " VALUES (%s, %s, %s, 'porting_order.new_comment', 'null', '[]', now(), %s, %s)"
        " RETURNING seq", (event_id, organization_id, order_id, position, position)).fetchone()
    assert row is not None
    return int(str(row[0]))


def test_following_the_auto_increment_id_skips(pg_api: Api, postgres_db: Database) -> None:
    """Two transactions at READ COMMITTED: the one that took the smaller seq commits last. A
    follower of seq that read in between has moved past it and never sees it."""
    organization_id = pg_api.tenant.organization_id
    (order_id,) = orders(pg_api, 1)
    url = postgres_db.engine.url.set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(url) as slow, psycopg.connect(url) as quick, \
            psycopg.connect(url, autocommit=True) as follower:
        slow_seq = _insert_naively(slow, organization_id, order_id, "slow", 1001)
        quick_seq = _insert_naively(quick, organization_id, order_id, "quick", 1002)
        assert slow_seq < quick_seq
        quick.commit()

        def after(seq: int) -> list[int]:
            return [int(str(r[0])) for r in follower.execute(
                "SELECT seq FROM porting_events WHERE organization_id = %s AND seq > %s"
                " ORDER BY seq", (organization_id, seq)).fetchall()]

        cursor = max(after(0))
        assert cursor == quick_seq  # the follower moved past the uncommitted slow_seq
        slow.commit()
        assert after(cursor) == []  # slow_seq is committed now, and skipped for ever
        assert slow_seq in after(0)


def test_positions_are_taken_at_flush_and_read_back_inside_the_transaction(
        pg_api: Api, postgres_db: Database) -> None:
    (order_id,) = orders(pg_api, 1)
    with postgres_db.writing() as session:
        ids = [record_comment(session, order_id, f"n{i}") for i in range(3)]
        rows = _events(session, ids)
    assert [(r.sequence, r.feed_position) for r in rows] == [(1, 1), (2, 2), (3, 3)]


def _events(session: Session, ids: list[str]) -> list[PortingEvent]:
    return list(session.execute(select(PortingEvent).where(PortingEvent.id.in_(ids))
                                .order_by(PortingEvent.seq)).scalars())


def test_writers_of_one_order_never_deadlock_on_the_counters(pg_api: Api,
                                                            postgres_db: Database) -> None:
    """Each writer changes the order (its row lock) and records an event (the counters'
    locks); half of them run a query in between, which writes the order and the event then,
    the others leave both to the commit. Both ways take the order's row first and the
    counters last, so the losers of the race get the version conflict (409 in the API), never
    a deadlock."""
    db = postgres_db
    (order_id,) = orders(pg_api, 1)
    start = threading.Barrier(WRITERS)
    outcomes: list[str] = []

    def writer(index: int) -> None:
        start.wait(timeout=10)
        for attempt in range(10):
            try:
                with db.writing() as session:
                    order = session.get(PortingOrder, order_id)
                    assert order is not None
                    order.customer_reference = f"w{index}-{attempt}"
                    if index % 2:
                        session.flush()  # the order's UPDATE now, the event at commit
                    record_comment(session, order_id, f"w{index}")
                    if index % 2 == 0:
                        session.execute(select(PortingEvent.id).limit(1))  # both now
                    time.sleep(0.002)
                outcomes.append("committed")
            except StaleDataError:
                outcomes.append("conflict")
            except Exception as exc:
                outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(outcomes) <= {"committed", "conflict"}, outcomes
    assert outcomes.count("committed") >= 10
