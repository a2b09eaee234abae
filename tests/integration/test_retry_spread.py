"""Waiting deliveries do not come due all at once: a destination enabled again gets its paused
deliveries back spread out, oldest first, at `RESUMED_PER_SECOND`; deliveries that failed
together (a receiver down under a burst) have their retries spread over the whole backoff
step (domain/retry.py). Through the API and the real worker, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from portin.config import Settings
from portin.domain.endpoint_health import RESUMED_PER_SECOND
from portin.domain.timefmt import utcnow
from portin.storage.db import Database
from portin.storage.destinations import resume_paused
from portin.storage.models import Delivery, DeliveryAttempt, DeliveryDestination
from tests.conftest import Api
from tests.support import waiting
from tests.support.receiver import Receiver
from tests.support.worker import running_worker

WAITING = 200


def comment(api: Api, order_id: str, body: str) -> None:
    api.user("POST", f"/v2/porting_orders/{order_id}/comments", 201, json={"body": body})


def pending_to(db: Database, url: str) -> list[Delivery]:
    with db.reading() as session:
        return list(session.scalars(
            select(Delivery).where(Delivery.destination == url, Delivery.status == "pending")
            .order_by(Delivery.created_at, Delivery.id)))


def test_an_enabled_destination_gets_its_paused_deliveries_back_spread_oldest_first(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    url = receiver.url("/back")
    api.subscribe("webhook", url)
    order = api.create_order("+13032220001")
    # One send at a time to a destination, so arrival order is the order they were sent in.
    worker_settings = settings.model_copy(update={"worker_per_endpoint": 1})
    with running_worker(db, worker_settings):
        api.confirm(order["id"])  # its first delivery makes the destination known
        receiver.wait_for("/back", 1)
        found = waiting.wait_for(lambda: next(
            (d for d in api.user("GET", "/v2/delivery_destinations")["data"]
             if d["destination"] == url), None), 20.0)
    for n in range(WAITING):
        comment(api, order["id"], f"waiting {n}")
    path = f"/v2/delivery_destinations/{found['id']}"
    api.user("POST", path + "/actions/disable")
    assert api.user("GET", path)["data"]["paused_deliveries"] == WAITING

    before = utcnow()
    api.user("POST", path + "/actions/enable")
    after = utcnow()
    resumed = pending_to(db, url)
    assert len(resumed) == WAITING
    due = [d.next_attempt_at for d in resumed]  # in creation order
    # Not one instant: every one its own, one after another in creation order, from the
    # enable on, at the resume rate (SQLite keeps them to the millisecond).
    assert len(set(due)) == WAITING
    assert due == sorted(due)
    assert before - timedelta(milliseconds=1) <= due[0] <= after
    span = (due[-1] - due[0]).total_seconds()
    assert abs(span - (WAITING - 1) / RESUMED_PER_SECOND) < 0.003, span

    with running_worker(db, worker_settings):
        arrived = receiver.wait_for("/back", 1 + WAITING)[1:]
    bodies = [r.json["data"]["payload"]["comment"]["body"] for r in arrived]
    assert bodies == [f"waiting {n}" for n in range(WAITING)]  # oldest first, each once


def test_deliveries_that_failed_together_come_due_over_the_whole_backoff(
        api: Api, db: Database, settings: Settings, receiver: Receiver) -> None:
    url = receiver.behave("/down", status=503)
    api.subscribe("webhook", url)
    order = api.create_order("+13032220001")
    api.confirm(order["id"])
    for n in range(WAITING - 1):
        comment(api, order["id"], f"burst {n}")
    base = 5.0
    worker_settings = settings.model_copy(update={"retry_base_seconds": base,
                                                  "worker_per_endpoint": 64})
    with running_worker(db, worker_settings):
        waiting.wait_for(lambda: len(first_attempts(db)) == WAITING, 20.0)
    # The first retry of each: when it is due, or (full jitter may make it due at once) when
    # it was sent before the worker stopped.
    first = first_attempts(db)
    with db.reading() as session:
        seconds = {a.delivery_id: a.started_at for a in session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.attempt == 2))}
        retries = {d.id: seconds.get(d.id, d.next_attempt_at) for d in session.scalars(
            select(Delivery).where(Delivery.destination == url))}
    assert len(retries) == WAITING
    delays = [(retries[delivery_id] - finished).total_seconds()
              for delivery_id, finished in first.items()]
    assert all(base / 2 <= delay <= base * 1.5 + 0.1 for delay in delays), delays
    # Spread over a whole step (5 s), not half of one as half-fixed jitter would.
    assert max(delays) - min(delays) >= 3.5, sorted(delays)
    per_second = Counter(int(at.timestamp()) for at in retries.values())
    assert len(per_second) >= 5
    assert max(per_second.values()) <= WAITING * 0.4, per_second


def first_attempts(db: Database) -> dict[str, datetime]:
    with db.reading() as session:
        return {a.delivery_id: a.finished_at for a in session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.attempt == 1))}


def test_resumed_due_times_are_right_across_a_second_boundary(api: Api, db: Database) -> None:
    """The n-th resumed delivery is due now + n / RESUMED_PER_SECOND to the microsecond, also
    when that crosses into the next second (SQLite builds the time's text itself)."""
    url = "http://127.0.0.1:9/boundary"
    api.subscribe("webhook", url)
    order = api.create_order("+13032220001")
    api.confirm(order["id"])
    for n in range(3):
        comment(api, order["id"], f"paused {n}")
    with db.writing() as session:
        session.execute(update(Delivery).where(Delivery.destination == url)
                        .values(status="paused"))
    now = datetime(2026, 12, 3, 7, 0, 0, 999_800, tzinfo=UTC)  # 0.2 ms before the second
    destination = DeliveryDestination(organization_id=api.tenant.organization_id,
                                      method="webhook", destination=url)
    with db.writing() as session:
        assert resume_paused(session, destination, now) == 4
    step = timedelta(microseconds=round(1_000_000 / RESUMED_PER_SECOND))
    assert [d.next_attempt_at.replace(tzinfo=UTC) for d in pending_to(db, url)] == [
        now + n * step for n in range(4)]
