"""Retention on SQLite and PostgreSQL: old finished deliveries and their attempts go, pending
and recent ones stay; events stay unless an event retention is set, and then never one with a
delivery still on its way; the API's event totals stay true; passes work in bounded batches;
the real scheduler loop runs them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.services.retention import prune
from portin.storage import events as event_store
from portin.storage.db import Database
from portin.storage.models import Delivery, DeliveryAttempt, PortingEvent
from portin.worker.scheduler import run_scheduler
from tests.conftest import Tenant

NOW = utcnow()
_positions = count(1)


def add_event(db: Database, tenant: Tenant, age_days: float,
              event_type: str = "porting_order.status_changed") -> str:
    """An event of `age_days` ago; add them oldest first (the key follows time)."""
    event_id = str(uuid.uuid4())
    position = next(_positions)
    with db.writing() as session:
        session.execute(insert(PortingEvent).values(
            id=event_id, organization_id=tenant.organization_id,
            porting_order_id=str(uuid.uuid4()), event_type=event_type, payload={"n": position},
            notification_methods=["webhook"], created_at=NOW - timedelta(days=age_days),
            sequence=1, feed_position=position))
        event_store.recount(session)
    return event_id


def add_delivery(db: Database, tenant: Tenant, event_id: str, status: str,
                 finished_days_ago: float | None, attempts: int = 2) -> str:
    delivery_id = str(uuid.uuid4())
    finished = None if finished_days_ago is None else NOW - timedelta(days=finished_days_ago)
    created = (finished or NOW) - timedelta(minutes=5)
    with db.writing() as session:
        session.execute(insert(Delivery).values(
            id=delivery_id, organization_id=tenant.organization_id, event_id=event_id,
            event_type="porting_order.status_changed", method="webhook",
            destination="http://127.0.0.1:9/hook", republished=False, status=status,
            attempt_count=attempts, next_attempt_at=created, created_at=created,
            started_at=created, finished_at=finished))
        for n in range(1, attempts + 1):
            session.execute(insert(DeliveryAttempt).values(
                id=str(uuid.uuid4()), delivery_id=delivery_id, attempt=n,
                status="failed" if n < attempts else "delivered", started_at=created,
                finished_at=created, duration_ms=12, http=None, email=None, error=None,
                errors=[], sent_by="test"))
    return delivery_id


def delivery_ids(db: Database) -> set[str]:
    with db.reading() as session:
        return set(session.execute(select(Delivery.id)).scalars())


def attempts_of(db: Database) -> dict[str, int]:
    with db.reading() as session:
        return {row[0]: row[1] for row in session.execute(
            select(DeliveryAttempt.delivery_id, func.count()).group_by(
                DeliveryAttempt.delivery_id))}


def event_ids(db: Database) -> set[str]:
    with db.reading() as session:
        return set(session.execute(select(PortingEvent.id)).scalars())


def total(client: TestClient, tenant: Tenant, **params: Any) -> int:
    response = client.get("/v2/porting/events", params=params, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["meta"]["total_results"])


def test_old_finished_deliveries_and_their_attempts_go_the_rest_stay(
        db: Database, tenant: Tenant) -> None:
    event = add_event(db, tenant, 60)
    old_delivered = add_delivery(db, tenant, event, "delivered", 31)
    old_failed = add_delivery(db, tenant, event, "failed", 45)
    old_pending = add_delivery(db, tenant, event, "pending", None)
    old_paused = add_delivery(db, tenant, event, "paused", None)
    recent = add_delivery(db, tenant, event, "delivered", 29)
    pruned = prune(db, NOW, delivery_days=30, event_days=None, pause_seconds=0)
    assert (pruned.deliveries, pruned.attempts, pruned.events) == (2, 4, 0)
    assert delivery_ids(db) == {old_pending, old_paused, recent}
    assert attempts_of(db) == {old_pending: 2, old_paused: 2, recent: 2}
    assert old_delivered not in attempts_of(db) and old_failed not in attempts_of(db)
    assert event_ids(db) == {event}  # events are kept by default
    again = prune(db, NOW, delivery_days=30, event_days=None, pause_seconds=0)
    assert (again.deliveries, again.attempts) == (0, 0)


def test_old_events_go_when_set_but_not_those_with_a_delivery_on_its_way(
        db: Database, tenant: Tenant, other_tenant: Tenant, client: TestClient) -> None:
    lone = add_event(db, tenant, 100, "porting_order.new_comment")
    waiting = add_event(db, tenant, 95)
    add_delivery(db, tenant, waiting, "pending", None)
    with_recent_delivery = add_event(db, tenant, 94)
    recent = add_delivery(db, tenant, with_recent_delivery, "delivered", 1)
    theirs = add_event(db, other_tenant, 93)
    young = add_event(db, tenant, 10, "porting_order.new_comment")
    kept_young = add_delivery(db, tenant, young, "delivered", 5)
    assert total(client, tenant) == 4
    assert total(client, tenant, **{"filter[type]": "porting_order.new_comment"}) == 2

    pruned = prune(db, NOW, delivery_days=30, event_days=90, pause_seconds=0)

    assert pruned.events == 3
    assert event_ids(db) == {waiting, young}
    assert lone not in event_ids(db) and theirs not in event_ids(db)
    # An event's finished deliveries go with it, however recent.
    assert recent not in delivery_ids(db) and kept_young in delivery_ids(db)
    assert total(client, tenant) == 2
    assert total(client, tenant, **{"filter[type]": "porting_order.new_comment"}) == 1
    assert total(client, tenant, **{"filter[type]": "porting_order.status_changed"}) == 1
    assert total(client, other_tenant) == 0
    listed = client.get("/v2/porting/events", headers=tenant.headers).json()["data"]
    assert {e["id"] for e in listed} == {waiting, young}


def test_a_pass_works_in_bounded_batches_and_stops_at_its_budget(
        db: Database, tenant: Tenant) -> None:
    event = add_event(db, tenant, 60)
    for _ in range(35):
        add_delivery(db, tenant, event, "delivered", 40, attempts=1)
    pruned = prune(db, NOW, 30, None, batch=10, pause_seconds=0)
    assert (pruned.batches, pruned.deliveries, pruned.attempts) == (4, 35, 35)
    assert not pruned.more_left
    assert pruned.longest_batch_seconds > 0

    for _ in range(25):
        add_delivery(db, tenant, event, "failed", 40, attempts=1)
    spent = prune(db, NOW, 30, None, batch=10, pause_seconds=0, budget_seconds=0)
    assert (spent.batches, spent.deliveries, spent.more_left) == (1, 10, True)
    assert len(delivery_ids(db)) == 15


def test_events_are_pruned_in_bounded_batches(db: Database, tenant: Tenant,
                                              client: TestClient) -> None:
    for _ in range(23):
        add_event(db, tenant, 200)
    young = add_event(db, tenant, 1)
    pruned = prune(db, NOW, 30, 100, batch=10, pause_seconds=0)
    # One (empty) delivery batch, then events 10 + 10 + 3.
    assert (pruned.batches, pruned.events) == (4, 23)
    assert event_ids(db) == {young}
    assert total(client, tenant) == 1


def test_the_scheduler_runs_retention(db: Database, tenant: Tenant,
                                      database_url: str) -> None:
    event = add_event(db, tenant, 60)
    old = add_delivery(db, tenant, event, "delivered", 31)
    recent = add_delivery(db, tenant, event, "delivered", 1)
    settings = Settings(database_url=database_url, scheduler_interval_seconds=0.05,
                        retention_interval_seconds=0.1, event_retention_days=1)

    async def scenario() -> datetime:
        stop = asyncio.Event()
        scheduler = asyncio.create_task(run_scheduler(db, settings, stop))
        deadline = asyncio.get_running_loop().time() + 10
        while old in delivery_ids(db):
            assert asyncio.get_running_loop().time() < deadline, "retention never ran"
            await asyncio.sleep(0.05)
        # A delivery that becomes old later goes on a later pass.
        with db.writing() as session:
            session.execute(Delivery.__table__.update().where(Delivery.id == recent).values(
                finished_at=NOW - timedelta(days=40)))
        while event in event_ids(db):
            assert asyncio.get_running_loop().time() < deadline, "no second pass"
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(scheduler, 5)
        return utcnow()

    asyncio.run(scenario())
    assert delivery_ids(db) == set()
