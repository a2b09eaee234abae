"""A batch of results recorded in one go: all of it or none of it, each attempt once; and a
batch that changes no destination's health takes no lock on it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select, update

from portin.domain.endpoint_health import destination_id
from portin.domain.timefmt import utcnow
from portin.outbox.rows import AttemptRecord, Claimed
from portin.storage.db import Database
from portin.storage.models import Delivery, DeliveryAttempt, DeliveryDestination
from tests.conftest import Api
from tests.integration.test_delivery_store import claim, make_deliveries, queue, record

HOOK = "http://127.0.0.1:9/hook"


def result(claimed: Claimed, status: str = "delivered", delivery_status: str = "delivered",
           retry_in: float | None = None, error: str | None = None) -> AttemptRecord:
    now = utcnow()
    return AttemptRecord(
        claimed=claimed, status=status, delivery_status=delivery_status,
        next_attempt_at=None if retry_in is None else now + timedelta(seconds=retry_in),
        started_at=now, finished_at=now + timedelta(milliseconds=2), duration_ms=2,
        http={"request": {"url": HOOK, "headers": []},
              "response": {"status": 200 if status == "delivered" else 503, "headers": [],
                           "body": "ok ✓"}},
        email=None, error=error, errors=[] if status == "delivered" else [503])


def attempts(db: Database) -> list[tuple[str, int, str]]:
    with db.reading() as session:
        return sorted(session.execute(select(
            DeliveryAttempt.delivery_id, DeliveryAttempt.attempt, DeliveryAttempt.status)).all())


def test_a_mixed_batch_moves_each_delivery_its_own_way(api: Api, db: Database) -> None:
    make_deliveries(api, 3)
    delivered, retried, failed = claim(db, "me")
    later = result(retried, "failed", "pending", retry_in=60, error="HTTP 503")
    assert record(db, "me", [result(delivered), later,
                             result(failed, "failed", "failed", error="HTTP 503")]) == 3
    with db.reading() as session:
        rows = {d.id: d for d in session.execute(select(Delivery)).scalars()}
        stored = {a.delivery_id: a for a in session.execute(select(DeliveryAttempt)).scalars()}
    assert [(rows[c.delivery_id].status, rows[c.delivery_id].attempt_count,
             rows[c.delivery_id].leased_by) for c in (delivered, retried, failed)] == [
        ("delivered", 1, None), ("pending", 1, None), ("failed", 1, None)]
    assert rows[retried.delivery_id].next_attempt_at == later.next_attempt_at
    assert rows[retried.delivery_id].last_error == "HTTP 503"
    assert stored[retried.delivery_id].errors == [503]
    assert stored[retried.delivery_id].http == later.http
    assert stored[retried.delivery_id].finished_at == later.finished_at
    assert stored[delivered.delivery_id].email is None


def test_a_batch_is_recorded_once_though_it_is_written_again(api: Api, db: Database) -> None:
    """A worker that writes a batch again (it could not tell whether its commit went
    through) records nothing twice: the attempt numbers guard each delivery."""
    make_deliveries(api, 3)
    batch = [result(c) for c in claim(db, "me")]
    assert record(db, "me", batch) == 3
    assert record(db, "me", batch) == 0
    assert len(attempts(db)) == 3


def test_a_batch_whose_worker_dies_before_its_commit_is_not_recorded_at_all(
        api: Api, db: Database) -> None:
    """The worker dies with its batch written but not committed: none of its attempts stay,
    the deliveries keep their leases until they run out, and the next worker sends and
    records each of them once, as attempt 1."""
    make_deliveries(api, 4)
    batch = [result(c) for c in claim(db, "dying")]
    with pytest.raises(SystemExit), db.driver_writing() as connection:  # noqa: PT012
        assert queue(db, connection).record("dying", batch) == 4
        raise SystemExit  # killed here: the transaction is never committed
    assert attempts(db) == []
    with db.reading() as session:
        assert set(session.execute(select(Delivery.leased_by)).scalars()) == {"dying"}
    with db.writing() as session:  # the leases run out
        session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=1)))
    again = claim(db, "next")
    assert sorted(c.delivery_id for c in again) == sorted(r.claimed.delivery_id for r in batch)
    assert {c.attempt for c in again} == {1}
    assert record(db, "dying", batch) == 0  # the dead worker's batch, late: not its lease
    assert record(db, "next", [result(c) for c in again]) == 4
    assert attempts(db) == sorted((c.delivery_id, 1, "delivered") for c in again)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_batch_whose_connection_is_killed_before_its_commit_leaves_nothing(
        api: Api, db: Database) -> None:
    """The server ends the worker's connection (as when the worker is SIGKILLed) after the
    batch's statement ran: the server rolls all of it back, and it can be written again."""
    make_deliveries(api, 3)
    batch = [result(c) for c in claim(db, "me")]
    with pytest.raises(psycopg.OperationalError), \
            db.driver_writing() as connection:  # noqa: PT012
        assert queue(db, connection).record("me", batch) == 3
        connection.cursor().execute("SELECT pg_terminate_backend(pg_backend_pid())")
    assert attempts(db) == []
    assert record(db, "me", batch) == 3
    assert len(attempts(db)) == 3


def _lock_destination(db: Database, key: str) -> Any:
    """Another worker's connection, mid-transaction, holding the destination's row."""
    other = db.engine.raw_connection()
    other.cursor().execute("SELECT 1 FROM delivery_destinations WHERE id = %s FOR UPDATE",
                           [key])
    return other


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_successes_to_a_healthy_destination_take_no_lock_but_a_failure_does(
        api: Api, db: Database) -> None:
    """Two workers sending to one destination do not wait on each other at every claim:
    only a batch that changes the destination's health locks its row."""
    make_deliveries(api, 3)
    first, second, third = claim(db, "me")
    assert record(db, "me", [result(first)]) == 1  # the destination's row is made
    key = destination_id(first.organization_id, "webhook", HOOK)
    other = _lock_destination(db, key)  # another worker, mid-transaction
    try:
        with db.driver_writing() as connection:
            connection.cursor().execute("SET LOCAL lock_timeout = '1s'")
            assert queue(db, connection).record("me", [result(second)]) == 1
        with pytest.raises(psycopg.errors.LockNotAvailable), \
                db.driver_writing() as connection:  # noqa: PT012
            connection.cursor().execute("SET LOCAL lock_timeout = '200ms'")
            queue(db, connection).record(
                "me", [result(third, "failed", "pending", retry_in=1, error="HTTP 503")])
    finally:
        other.rollback()
        other.close()
    assert record(db, "me", [
        result(third, "failed", "pending", retry_in=1, error="HTTP 503")]) == 1
    with db.reading() as session:
        health = session.get(DeliveryDestination, key)
        count = session.execute(select(func.count()).select_from(DeliveryAttempt)).scalar()
    assert health is not None
    assert (health.consecutive_failures, count) == (1, 3)
