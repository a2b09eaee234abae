"""Drafts older than the TTL are deleted with one porting_order.deleted event, even when
several workers run the expiry at the same moment."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from portin.domain.timefmt import utcnow
from portin.services import orders as order_service
from portin.services.drafts import expire_drafts
from portin.storage.db import Database
from portin.storage.models import PortingEvent, PortingOrder
from tests.conftest import Tenant


def make_draft(db: Database, tenant: Tenant, number: str, age: timedelta) -> str:
    with db.writing() as session:
        order = order_service.create_order(session, tenant.organization_id, [number], "old",
                                           None, utcnow() - age)
        return order.id


def deleted_events(db: Database) -> list[PortingEvent]:
    with db.reading() as session:
        return list(session.execute(
            select(PortingEvent).where(PortingEvent.event_type == "porting_order.deleted")
        ).scalars())


def test_only_expired_drafts_are_deleted(db: Database, tenant: Tenant) -> None:
    old = make_draft(db, tenant, "+13032220001", timedelta(days=31))
    young = make_draft(db, tenant, "+13032220002", timedelta(days=29))
    submitted = make_draft(db, tenant, "+13032220003", timedelta(days=40))
    with db.writing() as session:
        order_service.confirm(session, tenant.organization_id, submitted, utcnow())
    assert expire_drafts(db, 30 * 86400, utcnow()) == 1
    events = deleted_events(db)
    assert [e.porting_order_id for e in events] == [old]
    assert events[0].payload["customer_reference"] == "old"
    with db.reading() as session:
        live = set(session.execute(
            select(PortingOrder.id).where(PortingOrder.deleted_at.is_(None))).scalars())
    assert live == {young, submitted}
    assert expire_drafts(db, 30 * 86400, utcnow()) == 0


def test_racing_workers_delete_each_draft_exactly_once(db: Database, tenant: Tenant) -> None:
    drafts = {make_draft(db, tenant, f"+1303222{i:04d}", timedelta(days=31)) for i in range(30)}
    workers = [Database(db.url) for _ in range(4)]
    start = threading.Barrier(len(workers))
    counts: list[int] = []

    def run(worker_db: Database) -> None:
        start.wait()
        counts.append(expire_drafts(worker_db, 30 * 86400, utcnow()))

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for worker in workers:
        worker.dispose()
    assert sum(counts) == len(drafts)
    events = deleted_events(db)
    assert sorted(e.porting_order_id for e in events) == sorted(drafts)
    with db.reading() as session:
        remaining = session.execute(
            select(func.count()).select_from(PortingOrder)
            .where(PortingOrder.deleted_at.is_(None))).scalar_one()
    assert remaining == 0
