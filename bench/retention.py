"""Retention at 100,000 old deliveries: how long one pass takes to prune them and their
attempts, rows/s, and the longest single batch (the longest any lock is held), while a real
`portin serve` answers event-list and delivery-list pages beside it.

    flock /work/wt/bench.lock .venv/bin/python bench/retention.py            # SQLite (temp)
    flock /work/wt/bench.lock .venv/bin/python bench/retention.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/retention_bench

A --database-url is migrated and filled: give it a scratch database (created if missing on
PostgreSQL, dropped at the end). Rows: N finished deliveries 40 days old, two attempts each,
plus 1,000 recent finished and 1,000 pending ones that must stay.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api

from portin.domain.timefmt import utcnow
from portin.services.accounts import create_api_key, create_organization
from portin.services.retention import prune
from portin.storage import migrations
from portin.storage.db import Database
from portin.storage.models import Delivery, DeliveryAttempt, PortingEvent

HTTP = ('{"request": {"url": "http://127.0.0.1:9/hook", "headers": {"content-type":'
        ' "application/json"}}, "response": {"status": 200, "headers": {}, "body": "ok"}}')


def series(db: Database, n: int) -> str:
    if db.is_sqlite:
        return (f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s"
                f" WHERE i < {n}) SELECT i FROM s) AS s")
    return f"generate_series(1, {n}) AS s(i)"


def fill(db: Database, organization_id: str, event_id: str, n: int) -> None:
    now = utcnow()
    pad = "substr('000000000000' || s.i, -12, 12)" if db.is_sqlite else "lpad(s.i::text, 12, '0')"
    as_json = "json({})" if db.is_sqlite else "CAST({} AS json)"
    stamp = (lambda t: t.strftime("%Y-%m-%d %H:%M:%S.%f")) if db.is_sqlite else (lambda t: t)
    with db.writing() as session:
        for prefix, status, count, finished in (
                ("old", "delivered", n, now - timedelta(days=40)),
                ("new", "delivered", 1000, now - timedelta(days=1)),
                ("pen", "pending", 1000, None)):
            session.execute(text(
                "INSERT INTO deliveries (id, organization_id, event_id, event_type, method,"
                " destination, republished, status, attempt_count, next_attempt_at, created_at,"
                " started_at, finished_at)"
                f" SELECT '{prefix}-' || {pad}, :org, :event, 'porting_order.status_changed',"
                " 'webhook', 'http://127.0.0.1:9/hook', false, :status, 2, :t, :t, :t, :f"
                f" FROM {series(db, count)}"), {
                    "org": organization_id, "event": event_id, "status": status,
                    "t": stamp(finished or now),
                    "f": None if finished is None else stamp(finished)})
            for attempt in (1, 2):
                session.execute(text(
                    "INSERT INTO delivery_attempts (id, delivery_id, attempt, status, started_at,"
                    " finished_at, duration_ms, http, errors, sent_by)"
                    f" SELECT '{prefix}-{attempt}-' || {pad}, '{prefix}-' || {pad}, {attempt},"
                    f" :status, :t, :t, 42, {as_json.format(':http')}, {as_json.format(':errors')},"
                    " 'bench:1'"
                    f" FROM {series(db, count)}"), {
                        "status": "failed" if attempt == 1 else "delivered",
                        "t": stamp(finished or now), "http": HTTP, "errors": "[]"})


def probe(base: str, key: str, stop: threading.Event, latencies: list[float]) -> None:
    paths = ["/v2/porting/events?page[size]=25", "/v2/webhook_deliveries?page[size]=25"]
    i = 0
    while not stop.is_set():
        request = urllib.request.Request(base + paths[i % 2],
                                         headers={"Authorization": f"Bearer {key}"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        i += 1


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{len(ordered)} requests, p50 {statistics.median(ordered):.1f} ms,"
            f" p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--deliveries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    url = args.database_url or str(Path(tempfile.mkdtemp()) / "retention.db")
    if url.startswith("postgresql"):
        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    migrations.upgrade(url)
    db = Database(url)
    with db.writing() as session:
        organization = create_organization(session, "bench")
        key = create_api_key(session, "user", organization.id)
        event_id = "00000000-0000-7000-8000-000000000001"
        session.execute(insert(PortingEvent).values(
            id=event_id, organization_id=organization.id, porting_order_id=event_id,
            event_type="porting_order.status_changed", payload={"id": event_id},
            notification_methods=["webhook"], created_at=datetime.now(UTC), sequence=1,
            feed_position=1))
    started = time.perf_counter()
    fill(db, organization.id, event_id, args.deliveries)
    print(f"backend {db.dialect_name}; filled {args.deliveries:,} old + 2,000 kept deliveries,"
          f" 2 attempts each, in {time.perf_counter() - started:.1f} s")
    if not db.is_sqlite:
        with db.writing() as session:
            session.execute(text("ANALYZE deliveries"))
            session.execute(text("ANALYZE delivery_attempts"))

    port = api.free_port()
    # The server's own scheduler must not prune: this run's pass is the one measured.
    server = api.start_portin(url, port, 1, extra_env={
        "PORTIN_DELIVERY_RETENTION_DAYS": "36500", "PORTIN_WORKER_PROCESSES": "0"})
    try:
        base = f"http://127.0.0.1:{port}"
        idle: list[float] = []
        stop = threading.Event()
        thread = threading.Thread(target=probe, args=(base, key, stop, idle))
        thread.start()
        time.sleep(5)
        stop.set()
        thread.join()
        print(f"API alone (events and deliveries first pages, alternating): {summary(idle)}")

        during: list[float] = []
        stop = threading.Event()
        thread = threading.Thread(target=probe, args=(base, key, stop, during))
        thread.start()
        started = time.perf_counter()
        pruned = prune(db, utcnow(), 30, None, batch=args.batch, budget_seconds=3600)
        elapsed = time.perf_counter() - started
        stop.set()
        thread.join()
    finally:
        api.stop(server)
    rows = pruned.deliveries + pruned.attempts
    pauses = (pruned.batches - 1) * 0.05
    print(f"pruned {pruned.deliveries:,} deliveries + {pruned.attempts:,} attempts in"
          f" {pruned.batches} batches of {args.batch}: {elapsed:.1f} s, {rows / elapsed:,.0f}"
          f" rows/s ({rows / (elapsed - pauses):,.0f} rows/s without the 50 ms pauses)")
    print(f"longest single batch (transaction): {pruned.longest_batch_seconds * 1000:.0f} ms")
    print(f"API during the pass: {summary(during)}")
    with db.reading() as session:
        left = session.execute(select(Delivery.status, func.count()).group_by(
            Delivery.status)).all()
        attempts = session.scalar(select(func.count()).select_from(DeliveryAttempt))
    print(f"left: {dict(left)} deliveries, {attempts:,} attempts")
    db.dispose()
    if url.startswith("postgresql"):
        with psycopg.connect(f"{base_url(url)}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


def base_url(url: str) -> str:
    return url.rpartition("/")[0]


if __name__ == "__main__":
    main()
