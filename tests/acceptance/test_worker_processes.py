"""`portin worker` processes under stress: one killed with SIGKILL mid-burst and restarted, and
two sharing a burst on PostgreSQL. Nothing promised is lost; no attempt is sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from portin.config import Settings
from portin.domain import events as payloads
from portin.domain.endpoint_health import destination_id
from portin.domain.events import EventType
from portin.domain.notification_catalog import PORT_IN_CONDITION_ID
from portin.domain.timefmt import utcnow
from portin.services import destinations
from portin.services import notifications as notification_service
from portin.services import orders as order_service
from portin.services.events import facts, record
from portin.storage.db import Database
from portin.storage.models import Delivery, DeliveryAttempt
from tests.acceptance.conftest import PORTIN
from tests.conftest import Tenant, make_tenant
from tests.support.receiver import Receiver
from tests.support.waiting import wait_until

BURST = 1000


@contextmanager
def worker_process(database_url: str, log: Path, poll_seconds: str = "0.05",
                   processes: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PORTIN_DATABASE_URL": database_url,
           "PORTIN_ALLOW_PRIVATE_WEBHOOKS": "1", "PORTIN_DELIVERY_TIMEOUT_SECONDS": "2",
           "PORTIN_DELIVERY_LEASE_SECONDS": "3", "PORTIN_RETRY_BASE_SECONDS": "0.1",
           "PORTIN_WORKER_POLL_SECONDS": poll_seconds, "PORTIN_WORKER_CONCURRENCY": "16"}
    with log.open("ab") as out:
        process = subprocess.Popen([PORTIN, "worker", "--processes", str(processes)], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def subscribe(db: Database, tenant: Tenant, url: str) -> None:
    settings = Settings(database_url=db.url, allow_private_webhooks=True)
    with db.writing() as session:
        now = utcnow()
        profile = notification_service.create_profile(session, tenant.organization_id, "p", now)
        channel = notification_service.create_channel(
            session, tenant.organization_id,
            {"channel_type_id": "webhook", "channel_destination": url,
             "notification_profile_id": profile.id}, settings, now)
        notification_service.create_setting(session, tenant.organization_id, {
            "notification_event_condition_id": PORT_IN_CONDITION_ID,
            "notification_profile_id": profile.id, "notification_channel_id": channel.id}, now)


def burst(db: Database, tenant: Tenant, count: int) -> set[str]:
    """`count` comment events on one order, written 100 to a transaction."""
    with db.writing() as session:
        order = order_service.create_order(session, tenant.organization_id, ["+13032220001"],
                                           "burst", None, utcnow())
    ids: set[str] = set()
    for start in range(0, count, 100):
        with db.writing() as session:
            for i in range(start, min(count, start + 100)):
                now = utcnow()
                event = record(session, order, EventType.NEW_COMMENT,
                               payloads.new_comment(facts(order), f"c{i}", f"comment {i}", now,
                                                    None, "admin"), now)
                ids.add(event)
    return ids


def test_sigkill_mid_burst_loses_nothing(db: Database, tmp_path: Path) -> None:
    tenant = make_tenant(db, "crash")
    with Receiver().running() as receiver:
        receiver.behave("/hook", hang_seconds=0.003)
        subscribe(db, tenant, receiver.url("/hook"))
        event_ids = burst(db, tenant, BURST)
        with worker_process(db.url, tmp_path / "worker1.log") as first:
            wait_until(lambda: len(receiver.at("/hook")) >= 150, 60, "the first deliveries")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        got_before = {r.event_id for r in receiver.at("/hook")}
        assert 0 < len(got_before) < BURST, "the kill must land mid-burst"
        with worker_process(db.url, tmp_path / "worker2.log"):
            wait_until(lambda: {r.event_id for r in receiver.at("/hook")} >= event_ids, 120,
                       "every event to arrive after the restart")
            wait_until(lambda: _pending(db) == 0, 30, "the log to settle")
    with db.reading() as session:
        statuses = Counter(session.execute(select(Delivery.status)).scalars())
    assert statuses == {"delivered": BURST}


def test_sigkill_with_the_destination_disabled_mid_burst_loses_nothing(
        db: Database, tmp_path: Path) -> None:
    """Disabled mid-burst, the worker killed: what was in flight is paused when its lease runs
    out (not sent to the disabled destination), and enabling sends every paused one."""
    tenant = make_tenant(db, "paused")
    with Receiver().running() as receiver:
        receiver.behave("/hook", hang_seconds=0.003)
        subscribe(db, tenant, receiver.url("/hook"))
        event_ids = burst(db, tenant, BURST)
        key = destination_id(tenant.organization_id, "webhook", receiver.url("/hook"))
        with worker_process(db.url, tmp_path / "worker1.log") as first:
            wait_until(lambda: len(receiver.at("/hook")) >= 150, 60, "the first deliveries")
            with db.writing() as session:
                destinations.disable(session, tenant.organization_id, key, utcnow())
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        sent_before = len(receiver.at("/hook"))
        assert sent_before < BURST, "the kill must land mid-burst"
        with worker_process(db.url, tmp_path / "worker2.log"):
            # The killed worker's leases run out (3 s); the new worker pauses those deliveries.
            wait_until(lambda: _pending(db) == 0, 30, "every delivery to be paused or sent")
            assert len(receiver.at("/hook")) == sent_before, "sent while disabled"
            with db.writing() as session:
                resumed = destinations.enable(session, tenant.organization_id, key,
                                              utcnow()).deliveries
            assert resumed > 0
            wait_until(lambda: {r.event_id for r in receiver.at("/hook")} >= event_ids, 120,
                       "every event to arrive after the enable")
            wait_until(lambda: _pending(db) == 0, 30, "the log to settle")
        arrivals = Counter(r.event_id for r in receiver.at("/hook"))
    with db.reading() as session:
        statuses = Counter(session.execute(select(Delivery.status)).scalars())
    assert statuses == {"delivered": BURST}
    # Only a send in flight at the kill can arrive twice (its attempt was never recorded).
    assert sum(n - 1 for n in arrivals.values()) <= 16


def _pending(db: Database) -> int:
    with db.reading() as session:
        return int(session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.status == "pending")
        ).scalar_one())


def test_two_workers_share_a_burst_without_sending_an_attempt_twice(
        db: Database, tmp_path: Path) -> None:
    """`portin worker --processes 2`: on PostgreSQL claims skip each other's locked rows, on
    SQLite they take turns at the write lock; either way no delivery is claimed twice."""
    tenant = make_tenant(db, "shared")
    with Receiver().running() as receiver:
        receiver.behave("/hook", hang_seconds=0.002)
        subscribe(db, tenant, receiver.url("/hook"))
        event_ids = burst(db, tenant, BURST)
        with worker_process(db.url, tmp_path / "a.log", processes=2):
            wait_until(lambda: _pending(db) == 0, 120, "every delivery to finish")
        sent = Counter((r.event_id, r.attempt) for r in receiver.at("/hook"))
    assert {event_id for event_id, _ in sent} == event_ids
    assert max(sent.values()) == 1, "an attempt was sent twice"
    with db.reading() as session:
        workers = Counter(session.execute(select(DeliveryAttempt.sent_by)).scalars())
    assert len(workers) == 2, f"both workers should have shared the burst: {workers}"
    assert sum(workers.values()) == BURST


def test_a_commit_wakes_another_processes_worker(db: Database, tmp_path: Path) -> None:
    """The worker polls only every 10 s here: a prompt delivery can only come from the wake-up
    sent at commit (NOTIFY on PostgreSQL, a datagram on SQLite)."""
    tenant = make_tenant(db, "wake")
    with Receiver().running() as receiver:
        subscribe(db, tenant, receiver.url("/hook"))
        log = tmp_path / "w.log"
        with worker_process(db.url, log, poll_seconds="10"):
            wait_until(lambda: b"ready (woken at commit)" in log.read_bytes(), 30,
                       "the worker to start")
            time.sleep(0.5)  # past its first look at the outbox
            started = time.monotonic()
            event_ids = burst(db, tenant, 1)
            receiver.wait_for("/hook", 1, timeout=5)
            assert time.monotonic() - started < 5
    assert {r.event_id for r in receiver.at("/hook")} == event_ids
