"""The outbox's claims and attempt records, straight against the database."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from portin.domain.timefmt import utcnow
from portin.storage import deliveries as store
from portin.storage.db import Database
from portin.storage.deliveries import AttemptRecord, Claimed
from portin.storage.models import Delivery, DeliveryAttempt
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
          busy: tuple[str, ...] = ()) -> list[Claimed]:
    now = utcnow()
    with db.writing_core() as connection:
        return store.claim_due(connection, worker, now, now + timedelta(seconds=30), limit,
                               per_destination, list(busy), skip_locked=not db.is_sqlite)


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
    with db.writing_core() as connection:
        recorded = store.record_attempts(connection, "me", [record_for(c) for c in claimed])
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
    with db.writing_core() as connection:
        store.record_attempts(connection, "me", [AttemptRecord(
            claimed=claimed, status="failed", delivery_status="pending",
            next_attempt_at=retry_at, started_at=now, finished_at=now, duration_ms=1,
            http=None, email=None, error="HTTP 503", errors=[503])])
    with db.reading() as session:
        row = session.execute(select(Delivery)).scalar_one()
    assert (row.started_at, row.next_attempt_at, row.finished_at) == (now, retry_at, now)
    if db.is_sqlite:  # stored as text: every time in the same form, so they compare right
        with db.reading_core() as connection:
            stored = connection.exec_driver_sql(
                "SELECT started_at, next_attempt_at, finished_at FROM deliveries").one()
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", t) for t in stored)
