"""Endpoint health under load, in one run on loopback.

    .venv/bin/python bench/endpoint_health.py [--events 200] [--paused 10000]
                                              [--database-url postgresql://...]

A --database-url is migrated and filled with benchmark data: give it a scratch database.

Prints:
1. a burst of `--events` events to 50 webhook destinations: the healthy destinations'
   commit-to-receipt latency (p50, p99), with all 50 healthy, and again with one of the 50
   dead (it accepts connections and never answers, so each send to it waits for the delivery
   timeout: the worst kind of dead);
2. `--paused` deliveries kept paused while their destination is disabled, then the time from
   enabling it to the last verified receipt, against the ceiling (the same HTTP client, same
   loop, no database) measured just before it.
"""

from __future__ import annotations

import argparse
import base64
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from delivery import (
    ReceiverProcess,
    ceiling,
    make_org,
    percentile,
    start_worker,
    stop_worker,
    subscribe,
    wait_received,
    write_events,
)
from sqlalchemy import delete, select

from portin.delivery import event_loop
from portin.domain.endpoint_health import destination_id
from portin.domain.timefmt import utcnow
from portin.services import destinations
from portin.storage import destinations as store
from portin.storage import migrations
from portin.storage.db import Database
from portin.storage.models import NotificationChannel, NotificationSetting

TIMEOUT_SECONDS = 2
PER_ENDPOINT = 8  # portin's default: of 64 sends in flight, at most 8 to one destination


def black_hole() -> tuple[socket.socket, str]:
    """A listening socket nobody accepts on: the kernel completes the connection, the request
    is never answered."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}/dead"


def healthy_latencies(db: Database, receiver: ReceiverProcess, order: Any, events: int,
                      healthy: int) -> tuple[float, float]:
    receiver.reset()
    worker = start_worker(db.url, 1, 64, per_endpoint=PER_ENDPOINT,
                          timeout_seconds=TIMEOUT_SECONDS)
    try:
        committed = write_events(db, order, events, 10)
        stats = wait_received(receiver, events * healthy)
    finally:
        stop_worker(worker)
    latencies = [(at - committed[event_id]) * 1000
                 for event_id, times in stats["arrivals"].items() for at in times]
    return statistics.median(latencies), percentile(latencies, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--paused", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="portin-health-bench-")
    url = args.database_url or str(Path(folder) / "bench.db")
    migrations.upgrade(url)
    db = Database(url)
    organization_id, order, signing_key = make_org(db)
    receiver = ReceiverProcess(base64.b64encode(bytes(signing_key.verify_key)).decode())
    hole, dead_url = black_hole()
    try:
        print(f"database: {db.engine.dialect.name}; delivery timeout {TIMEOUT_SECONDS} s;"
              " the receiver verifies every signature")
        subscribe(db, organization_id, [receiver.url(n) for n in range(50)])
        p50, p99 = healthy_latencies(db, receiver, order, args.events, 50)
        print(f"burst    {args.events} events x 50 healthy destinations:"
              f" healthy p50 {p50:7.1f} ms, p99 {p99:7.1f} ms")
        # Same 50 destinations, one of them dead: 49 healthy + the black hole.
        with db.writing() as session:
            last = session.execute(select(NotificationChannel).where(
                NotificationChannel.channel_destination == receiver.url(49))).scalar_one()
            session.execute(delete(NotificationSetting).where(
                NotificationSetting.notification_channel_id == last.id))
            session.delete(last)
        subscribe(db, organization_id, [dead_url])
        p50, p99 = healthy_latencies(db, receiver, order, args.events, 49)
        print(f"burst    {args.events} events x 50 destinations, 1 dead:"
              f"   healthy p50 {p50:7.1f} ms, p99 {p99:7.1f} ms")

        # Paused deliveries: 10,000 to one destination, written while it is disabled.
        paused_db = Database(url)
        org2, order2, key2 = make_org(paused_db)
        receiver2 = ReceiverProcess(base64.b64encode(bytes(key2.verify_key)).decode())
        try:
            target = receiver2.url(0)
            subscribe(paused_db, org2, [target])
            write_events(paused_db, order2, 1, 1)  # its first delivery makes its health row
            worker = start_worker(url, 1, 64, per_endpoint=PER_ENDPOINT,
                                  timeout_seconds=TIMEOUT_SECONDS)
            wait_received(receiver2, 1)
            stop_worker(worker)
            key = destination_id(org2, "webhook", target)
            with paused_db.writing() as session:
                destinations.disable(session, org2, key, utcnow())
            write_events(paused_db, order2, args.paused, 500)
            with paused_db.writing() as session:
                # Those written after the disable were pending: pause them as a claim would.
                store.pause_pending(session, destinations.require_destination(
                    session, org2, key))
            rate = event_loop.run(ceiling(receiver2, key2, args.paused))[0]
            receiver2.reset()
            worker = start_worker(url, 1, 64, per_endpoint=PER_ENDPOINT,
                                  timeout_seconds=TIMEOUT_SECONDS)
            started = time.time()
            with paused_db.writing() as session:
                resumed = destinations.enable(session, org2, key, utcnow()).deliveries
            stats = wait_received(receiver2, resumed)
            stop_worker(worker)
            last_arrival = max(max(times) for times in stats["arrivals"].values())
            drained = resumed / (last_arrival - started)
            print(f"paused   {resumed} paused deliveries, enable -> last verified receipt:"
                  f" {last_arrival - started:.2f} s, {drained:.0f} deliveries/s"
                  f" ({drained / rate:.0%} of the ceiling, {rate:.0f} req/s)")
        finally:
            receiver2.stop()
            paused_db.dispose()
    finally:
        hole.close()
        receiver.stop()
        db.dispose()


if __name__ == "__main__":
    main()
