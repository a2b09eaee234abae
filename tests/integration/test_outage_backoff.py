"""Waiting out a database outage: the pauses grow and cap, one line when the database goes and
one when it is back (the delivery worker's loop, its LISTEN for wake-ups, the draft scheduler),
and the real delivery worker and scheduler, cut off from PostgreSQL by a proxy, try rarely;
the worker delivers once the connection is restored."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import make_url

from portin.api.app import create_app
from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.outbox.wake import WAKE_CHANNEL, listen_for_work
from portin.storage.db import Database
from portin.storage.models import Delivery
from portin.worker.outage import LONGEST_PAUSE_SECONDS, OutageBackoff
from portin.worker.scheduler import run_scheduler
from tests.conftest import Api, make_operator_headers, make_tenant
from tests.support.receiver import Receiver
from tests.support.tcp_proxy import TcpProxy
from tests.support.worker import running_worker

LOG = logging.getLogger("tests.outage")


def lost_connection() -> psycopg.OperationalError:
    return psycopg.OperationalError("server closed the connection unexpectedly")


def test_pauses_double_from_a_tenth_of_a_second_up_to_five(
        caplog: pytest.LogCaptureFixture) -> None:
    backoff = OutageBackoff(LOG, "test loop")
    with caplog.at_level(logging.INFO, logger=LOG.name):
        pauses = []
        for _ in range(10):
            assert backoff.failed(lost_connection())
            pauses.append(backoff.pause)
        backoff.succeeded()
        backoff.succeeded()  # no outage any more: nothing to say
    assert pauses == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0, 5.0]
    assert pauses[-1] == LONGEST_PAUSE_SECONDS
    assert [(r.levelname, r.getMessage().split(":")[0]) for r in caplog.records] == [
        ("WARNING", "test loop"), ("INFO", "test loop")]
    assert "cannot be reached" in caplog.records[0].getMessage()
    assert "is back" in caplog.records[1].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    assert backoff.pause is None and not backoff.in_outage


def test_a_second_outage_starts_again_from_the_first_pause() -> None:
    backoff = OutageBackoff(LOG, "test loop")
    for _ in range(5):
        backoff.failed(lost_connection())
    backoff.succeeded()
    backoff.failed(lost_connection())
    assert backoff.pause == 0.1


def test_an_error_that_is_not_an_outage_is_left_to_the_caller(
        caplog: pytest.LogCaptureFixture) -> None:
    backoff = OutageBackoff(LOG, "test loop")
    with caplog.at_level(logging.INFO, logger=LOG.name):
        assert not backoff.failed(ValueError("a bug"))
        assert not backoff.failed(psycopg.errors.UniqueViolation("duplicate key"))
    assert backoff.pause is None
    assert caplog.records == []


def through(proxy: TcpProxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)


def test_the_worker_backs_off_while_cut_off_and_delivers_when_restored(
        postgres_db: Database, postgres_database: str,
        caplog: pytest.LogCaptureFixture) -> None:
    # The API writes through the direct URL; only the worker goes through the proxy.
    direct = Settings(database_url=postgres_database, allow_private_webhooks=True)
    tenant = make_tenant(postgres_db)
    api = Api(TestClient(create_app(direct, postgres_db)), tenant,
              make_operator_headers(postgres_db))
    port = make_url(postgres_database).port or 5432
    with Receiver().running() as receiver, TcpProxy(port).running() as proxy:
        hook = receiver.url("/hook")
        order = api.create_order("+17203334001")
        api.user("PATCH", f"/v2/porting_orders/{order['id']}", json={"webhook_url": hook})
        proxied = Settings(database_url=through(proxy, postgres_database),
                           allow_private_webhooks=True, retry_base_seconds=0.05,
                           delivery_timeout_seconds=1.0, worker_poll_seconds=0.05)
        worker_db = Database(proxied.database_url)
        try:
            with caplog.at_level(logging.INFO), running_worker(worker_db, proxied):
                api.user("POST", f"/v2/porting_orders/{order['id']}/comments",
                         json={"body": "before"}, expect=201)
                receiver.wait_for("/hook", 1, timeout=15)

                # Cleared before the cut: the worker may notice it at once.
                caplog.clear()
                refused_before = proxy.refused
                proxy.cut()
                time.sleep(2.0)
                tries = proxy.refused - refused_before
                lines = [r for r in caplog.records if r.name.startswith("portin")]
                # Polling every 0.05 s would be 40 tries; backing off from 0.1 s it is ~5
                # (plus the pool's pre-ping and the LISTEN connection's one retry).
                assert 1 <= tries < 20, tries
                assert len(lines) < 5, [r.getMessage() for r in lines]
                assert all(r.exc_info is None for r in lines
                           if "delivery worker" in r.getMessage()), lines
                assert any("cannot be reached" in r.getMessage() for r in lines)

                # Written meanwhile (the API's own connection is not cut).
                api.user("POST", f"/v2/porting_orders/{order['id']}/comments",
                         json={"body": "during"}, expect=201)
                proxy.restore()
                got = receiver.wait_for("/hook", 2, timeout=15)
                assert got[-1].json["data"]["payload"]["comment"]["body"] == "during"
                assert any("is back" in r.getMessage() for r in caplog.records)
        finally:
            worker_db.dispose()


def test_listening_for_wake_ups_says_once_that_it_failed_and_once_that_it_is_back(
        postgres_database: str, caplog: pytest.LogCaptureFixture) -> None:
    port = make_url(postgres_database).port or 5432
    wakes: list[float] = []

    async def scenario(proxy: TcpProxy) -> None:
        stop = asyncio.Event()
        listener = asyncio.create_task(listen_for_work(
            through(proxy, postgres_database), lambda: wakes.append(time.monotonic()), stop,
            retry_seconds=0.1))
        await until(lambda: proxy.accepted >= 1)
        await asyncio.sleep(0.3)  # LISTEN is done
        proxy.cut()
        await asyncio.sleep(1.5)  # ~15 failed tries
        assert proxy.refused >= 5
        proxy.restore()
        await until(lambda: any(r.levelname == "INFO" for r in caplog.records))
        with psycopg.connect(postgres_database, autocommit=True) as connection:
            connection.execute(f"NOTIFY {WAKE_CHANNEL}")
        await until(lambda: bool(wakes))
        stop.set()
        with psycopg.connect(postgres_database, autocommit=True) as connection:
            connection.execute(f"NOTIFY {WAKE_CHANNEL}")  # the listener returns at once
        await asyncio.wait_for(listener, 5)

    with caplog.at_level(logging.INFO, logger="portin.outbox.wake"), \
            TcpProxy(port).running() as proxy:
        asyncio.run(scenario(proxy))
    lines = [r for r in caplog.records if r.name == "portin.outbox.wake"]
    assert [r.levelname for r in lines] == ["WARNING", "INFO"], [r.getMessage() for r in lines]
    assert all("\n" not in r.getMessage() for r in lines)


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_the_draft_scheduler_backs_off_while_cut_off_and_says_so_once(
        postgres_db: Database, postgres_database: str,
        caplog: pytest.LogCaptureFixture) -> None:
    port = make_url(postgres_database).port or 5432

    async def scenario(proxy: TcpProxy, db: Database) -> int:
        stop = asyncio.Event()
        settings = Settings(database_url=db.url, scheduler_interval_seconds=0.05)
        scheduler = asyncio.create_task(run_scheduler(db, settings, stop))
        await asyncio.sleep(0.5)  # ~10 ticks that work
        refused_before = proxy.refused
        proxy.cut()
        await asyncio.sleep(2.0)
        tries = proxy.refused - refused_before
        proxy.restore()
        await until(lambda: any("is back" in r.getMessage() for r in caplog.records))
        stop.set()
        await asyncio.wait_for(scheduler, 5)
        return tries

    with caplog.at_level(logging.INFO, logger="portin.worker.scheduler"), \
            TcpProxy(port).running() as proxy:
        db = Database(through(proxy, postgres_database))
        try:
            tries = asyncio.run(scenario(proxy, db))
        finally:
            db.dispose()
    # Every 0.05 s would be 40 tries; from 0.1 s doubling, about 5.
    assert 1 <= tries < 20, tries
    lines = [r for r in caplog.records if r.name == "portin.worker.scheduler"]
    assert [r.levelname for r in lines] == ["WARNING", "INFO"], [r.getMessage() for r in lines]
    assert all(r.exc_info is None for r in lines)


def test_a_claim_that_failed_but_committed_does_not_hold_its_deliveries(
        postgres_db: Database, postgres_database: str) -> None:
    """The connection can be cut between a claim's COMMIT and the server's answer: the leases
    are then in the database while the worker believes the claim failed. Once the database
    is back, the worker gives up its leases on what it is not sending, so those deliveries go
    out at once instead of when the lease runs out (an hour here)."""
    direct = Settings(database_url=postgres_database, allow_private_webhooks=True)
    tenant = make_tenant(postgres_db)
    api = Api(TestClient(create_app(direct, postgres_db)), tenant,
              make_operator_headers(postgres_db))
    port = make_url(postgres_database).port or 5432
    with Receiver().running() as receiver, TcpProxy(port).running() as proxy:
        order = api.create_order("+17203334002")
        api.user("PATCH", f"/v2/porting_orders/{order['id']}",
                 json={"webhook_url": receiver.url("/hook")})
        proxied = Settings(database_url=through(proxy, postgres_database),
                           allow_private_webhooks=True, retry_base_seconds=0.05,
                           delivery_timeout_seconds=1.0, worker_poll_seconds=0.05)
        worker_db = Database(proxied.database_url)
        try:
            with running_worker(worker_db, proxied) as worker:
                proxy.cut()
                time.sleep(1.0)  # the worker's claims fail meanwhile
                api.user("POST", f"/v2/porting_orders/{order['id']}/comments",
                         json={"body": "leased in the dark"}, expect=201)
                # As if the worker's last claim had committed: its lease, for an hour.
                with postgres_db.writing() as session:
                    session.execute(update(Delivery).values(
                        leased_by=worker.worker_id,
                        lease_until=utcnow() + timedelta(hours=1)))
                proxy.restore()
                got = receiver.wait_for("/hook", 1, timeout=15)
                assert got[0].json["data"]["payload"]["comment"]["body"] == "leased in the dark"
        finally:
            worker_db.dispose()
