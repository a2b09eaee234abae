"""Past one machine: two `portin serve` API processes (PORTIN_WORKER_PROCESSES=0, no workers of
their own) and two `portin worker` processes on one PostgreSQL database. A burst driven
through both APIs at once is delivered exactly once per destination, signed, by the two
workers alone; either API lists the same events and the same feed."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from portin.storage.db import Database
from portin.storage.models import DeliveryAttempt
from tests.acceptance.conftest import PORTIN, Server, running_server
from tests.support.receiver import Receiver, verifies
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

ORDERS_PER_API = 25
DESK_MOVES = ("submitted", "foc-date-confirmed", "ported")
# Every order: confirmed by its user (in-process), then moved three times by the desk.
STATUSES = ["in-process", *DESK_MOVES]
BOUND_SECONDS = 120  # the whole burst, from the first request to the last receipt


@contextlib.contextmanager
def two_apis(url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    settings = {"PORTIN_DATABASE_URL": url, "PORTIN_WORKER_PROCESSES": "0",
                # One organization's burst through one key: its limit is not what is tested.
                "PORTIN_RATE_LIMIT_PER_KEY": "100000/second"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with running_server(tmp_path / "a", **settings) as a, \
            running_server(tmp_path / "b", **settings) as b:
        yield a, b


@contextlib.contextmanager
def worker(url: str, log_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`portin worker`, as on a machine of its own: default lease and poll, its scheduler on."""
    env = {**os.environ, "PORTIN_DATABASE_URL": url, "PORTIN_ALLOW_PRIVATE_WEBHOOKS": "1",
           "PORTIN_WORKER_CONCURRENCY": "16"}
    with log_file.open("ab") as out:
        process = subprocess.Popen([PORTIN, "worker"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def client(server: Server, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"{server.base_url}/v2", timeout=30,
                        headers={"Authorization": f"Bearer {key}"})


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.request.url, response.text)
    return response.json()


def order_lifecycle(i: int, users: list[httpx.Client], desks: list[httpx.Client],
                    hook: str) -> str:
    """Order i: its user's steps through one API, the desk's through the other."""
    user, desk = users[i % 2], desks[(i + 1) % 2]
    order = ok(user.post("/porting_orders", json={"phone_numbers": [f"+1720444{i:04d}"]}))
    order_id = str(order["data"][0]["id"])
    ok(user.patch(f"/porting_orders/{order_id}", json={"webhook_url": hook}))
    ok(user.post(f"/porting_orders/{order_id}/actions/confirm"))
    for value in DESK_MOVES:
        ok(desk.post(f"/operator/porting_orders/{order_id}/status", json={"value": value}))
    return order_id


def subscribe(user: httpx.Client, destination: str) -> None:
    """A notification profile, a webhook channel and the Port In setting."""
    profile = ok(user.post("/notification_profiles", json={"name": "desk"}))["data"]["id"]
    channel = ok(user.post("/notification_channels", json={
        "channel_type_id": "webhook", "channel_destination": destination,
        "notification_profile_id": profile}))["data"]["id"]
    condition = ok(user.get("/notification_event_conditions"))["data"][0]["id"]
    ok(user.post("/notification_settings", json={
        "notification_event_condition_id": condition, "notification_profile_id": profile,
        "notification_channel_id": channel}))


def all_events(user: httpx.Client) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    page = 1
    while True:
        body = ok(user.get("/porting/events", params={"page[number]": page, "page[size]": 100}))
        events += body["data"]
        if page >= body["meta"]["total_pages"]:
            return events
        page += 1


def whole_feed(user: httpx.Client) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = "0"
    while True:
        body = ok(user.get("/porting/event_feed", params={"after": after, "limit": 70}))
        events += body["data"]
        if not body["meta"]["has_more"]:
            return events
        after = body["meta"]["next_cursor"]


def test_two_apis_and_two_workers_on_one_postgresql(postgres_db: Database,
                                                    tmp_path: Path) -> None:
    url = postgres_db.url
    with two_apis(url, tmp_path) as (a, b), Receiver().running() as receiver, \
            worker(url, tmp_path / "worker1.log") as worker1, \
            worker(url, tmp_path / "worker2.log") as worker2:
        for log_file in (tmp_path / "worker1.log", tmp_path / "worker2.log"):
            wait_until(lambda f=log_file: b"ready (woken at commit)" in f.read_bytes(), 30,
                       f"the worker of {log_file.name} to start")
        for server in (a, b):
            assert httpx.get(f"{server.base_url}/healthz").json() == {"status": "ok"}
            ready = httpx.get(f"{server.base_url}/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"status": "ok", "database": "ok", "migrations": "current"}
        org = a.new_org("several")
        operator_key = b.operator_key()
        users = [client(a, org["api_key"]), client(b, org["api_key"])]
        desks = [client(a, operator_key), client(b, operator_key)]
        subscribe(users[1], receiver.url("/channel"))
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            order_ids = list(pool.map(
                lambda i: order_lifecycle(i, users, desks, receiver.url("/order")),
                range(2 * ORDERS_PER_API)))
        written = time.monotonic() - started
        expected = len(order_ids) * len(STATUSES)
        wait_until(lambda: all(len(receiver.at(p)) >= expected for p in ("/channel", "/order")),
                   BOUND_SECONDS - written, f"{expected} events at each destination")
        delivered = time.monotonic() - started
        time.sleep(1)  # a second send, were there one, would come within this
        events_a, events_b = all_events(users[0]), all_events(users[1])
        feed_a, feed_b = whole_feed(users[0]), whole_feed(users[1])
        worker_pids = {worker1.pid, worker2.pid}
        for each in (*users, *desks):
            each.close()

    assert events_a == events_b
    assert feed_a == feed_b
    assert len(events_a) == expected
    by_order: dict[str, list[str]] = {}
    for event in reversed(events_a):  # the list is newest first
        assert event["event_type"] == "porting_order.status_changed"
        by_order.setdefault(event["payload"]["id"], []).append(
            event["payload"]["status"]["value"])
    assert by_order == dict.fromkeys(order_ids, STATUSES)
    # The feed: every event once, at positions 1 .. n, whichever API wrote it.
    assert sorted(e["id"] for e in feed_a) == sorted(e["id"] for e in events_a)
    assert [int(e["cursor"]) for e in feed_a] == list(range(1, expected + 1))

    event_ids = {e["id"] for e in events_a}
    for path in ("/channel", "/order"):
        received = receiver.at(path)
        arrivals = Counter(r.event_id for r in received)
        assert set(arrivals) == event_ids, path
        assert max(arrivals.values()) == 1, f"{path}: an event arrived twice"
        assert all(verifies(r, org["public_key"]) for r in received), path

    with postgres_db.reading() as session:
        sent_by = session.execute(select(DeliveryAttempt.sent_by)).scalars().all()
    senders = Counter(int(worker_id.split(":")[1]) for worker_id in sent_by)  # host:pid:...
    # Only the two `portin worker` processes sent: the API processes run none.
    assert set(senders) == worker_pids, senders  # both took part, and no one else
    assert sum(senders.values()) == 2 * expected
    log.info("%d deliveries: written in %.1f s, all received %.1f s after the first request;"
             " by worker process %s", 2 * expected, written, delivered, dict(senders))
