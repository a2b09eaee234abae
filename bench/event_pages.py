"""Event-list latency at scale: p50/p99 of filtered GET /v2/porting/events pages, at page 1 and
at a deep page, beside the bare SQL behind each (the same statements replayed on the driver).

    .venv/bin/python bench/event_pages.py --events 1000000           # SQLite (temp file)
    .venv/bin/python bench/event_pages.py --events 1000 --database-url postgresql://...
    .venv/bin/python bench/event_pages.py --events 10000000 --bulk-load --database-url ...

A --database-url is migrated and filled with benchmark data: give it a scratch database.
--bulk-load (PostgreSQL only) makes the same distribution server-side, INSERT ... SELECT from
generate_series in chunks of a million rows, instead of Python executemany batches.

It loads N events for one organization (spread over 20,000 orders, the five event types and a
year of time), then times each query shape with the real app in-process (ASGI, no network).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from fastapi.testclient import TestClient
from sqlalchemy import Table, event, insert, text

from portin.api.app import create_app
from portin.config import Settings
from portin.services.accounts import create_api_key, create_organization
from portin.storage import event_positions, migrations
from portin.storage.db import Database
from portin.storage.events import recount
from portin.storage.models import PortingEvent

TYPES = ["porting_order.status_changed"] * 6 + ["porting_order.new_comment"] * 2 + [
    "porting_order.split", "porting_order.messaging_changed", "porting_order.deleted"]
ORDERS = 20_000
START = datetime(2026, 1, 1, tzinfo=UTC)


def load(db: Database, organization_id: str, count: int, rng: random.Random,
         bulk: bool = False) -> list[str]:
    orders = [str(uuid.uuid4()) for _ in range(min(ORDERS, max(1, count // 5)))]
    started = time.perf_counter()
    if bulk:
        bulk_load(db, organization_id, orders, count, rng)
    else:
        python_load(db, organization_id, orders, count, rng)
    with db.writing() as session:
        recount(session)  # the bulk load went around record(), so count what it wrote
    # Steady state: statistics and (on PostgreSQL) the visibility map that index-only scans
    # need, as autovacuum would leave them some time after a load.
    with db.engine.connect() as connection:
        if db.is_sqlite:
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE porting_events")
    print(f"loaded {count:,} events in {time.perf_counter() - started:.1f} s"
          f" ({'bulk' if bulk else 'python'} load)")
    return orders


def python_load(db: Database, organization_id: str, orders: list[str], count: int,
                rng: random.Random) -> None:
    table = cast(Table, PortingEvent.__table__)
    batch: list[dict[str, Any]] = []
    seconds_in_year = 365 * 86400
    for i in range(count):
        order_id = rng.choice(orders)
        created = START + timedelta(seconds=rng.random() * seconds_in_year)
        batch.append({
            "id": str(uuid.uuid4()), "organization_id": organization_id,
            "porting_order_id": order_id, "event_type": rng.choice(TYPES),
            "payload": {"id": order_id, "customer_reference": f"ref-{i % 977}",
                        "status": {"details": [], "value": "submitted"},
                        "support_key": "sr_0a1b2c", "updated_at": created.isoformat(),
                        "webhook_url": None},
            "notification_methods": [], "created_at": created,
        })
        if len(batch) == 20_000 or i == count - 1:
            with db.writing() as session:
                event_positions.assign(session.connection(), batch)
                session.execute(insert(table), batch)
            batch.clear()


BULK_CHUNK = 1_000_000

# One chunk of the bulk load: feed positions base+first .. base+last in insertion order, each
# row a uniformly chosen order (its `sequence` following the order's last one, kept in the
# temporary bench_orders), one of the 11 TYPES slots and a created_at uniform over the year
# from START; the payload is the text the app's JSON serializer writes for the Python load.
# The orders' new last sequences go back into bench_orders.
_BULK_CHUNK_SQL = text("""
WITH drawn AS MATERIALIZED (
    SELECT :base + i AS position, floor(random() * :orders)::int AS n,
           floor(random() * 11)::int + 1 AS slot,
           CAST(:start AS timestamp) + random() * interval '365 days' AS created
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
), numbered AS (
    SELECT drawn.position, o.order_id, drawn.slot, drawn.created,
           o.last + row_number() OVER (PARTITION BY drawn.n ORDER BY drawn.position) AS sequence
    FROM drawn JOIN bench_orders AS o ON o.n = drawn.n
), inserted AS (
    INSERT INTO porting_events (id, organization_id, porting_order_id, event_type, payload,
                                notification_methods, created_at, sequence, feed_position)
    SELECT gen_random_uuid()::text, :organization_id, order_id,
           (CAST(:types AS text[]))[slot],
           CAST('{"id":"' || order_id || '","customer_reference":"ref-'
                || ((position - :base - 1) % 977)
                || '","status":{"details":[],"value":"submitted"},'
                || '"support_key":"sr_0a1b2c","updated_at":"'
                || to_char(created, 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00",'
                || '"webhook_url"\\:null}' AS json),  -- \\: is a colon, not a bind
           CAST('[]' AS json), created, sequence, position
    FROM numbered ORDER BY position
    RETURNING porting_order_id, sequence
)
UPDATE bench_orders AS o SET last = m.last
FROM (SELECT porting_order_id, max(sequence) AS last FROM inserted
      GROUP BY porting_order_id) AS m
WHERE o.order_id = m.porting_order_id
""")


def bulk_load(db: Database, organization_id: str, orders: list[str], count: int,
              rng: random.Random) -> None:
    """The Python load's distribution, made by PostgreSQL (INSERT ... SELECT from
    generate_series, a chunk a transaction), with the counters of event_positions set to the
    last numbers given, as event_positions.assign() would have left them."""
    with db.engine.connect() as connection:
        # random() follows the seed within this connection: the same seed, the same events.
        connection.execute(text("SELECT setseed(:seed)"), {"seed": rng.random() * 2 - 1})
        base = connection.execute(text(
            "SELECT coalesce(max(last), 0) FROM event_positions"
            " WHERE scope = :scope AND owner_id = :owner"),
            {"scope": event_positions.ORGANIZATION, "owner": organization_id}).scalar_one()
        connection.execute(text(
            "CREATE TEMPORARY TABLE bench_orders"
            " (n int PRIMARY KEY, order_id text NOT NULL, last bigint NOT NULL)"))
        connection.execute(text("INSERT INTO bench_orders VALUES (:n, :order_id, 0)"),
                           [{"n": n, "order_id": order} for n, order in enumerate(orders)])
        connection.execute(text("ANALYZE bench_orders"))
        connection.commit()
        for first in range(1, count + 1, BULK_CHUNK):
            last = min(count, first + BULK_CHUNK - 1)
            chunk_started = time.perf_counter()
            connection.execute(_BULK_CHUNK_SQL, {
                "base": base, "orders": len(orders), "start": START.replace(tzinfo=None),
                "first": first, "last": last, "organization_id": organization_id,
                "types": TYPES})
            connection.commit()
            print(f"  bulk load: {last:,} of {count:,} events"
                  f" ({time.perf_counter() - chunk_started:.1f} s)", flush=True)
        connection.execute(text(
            "INSERT INTO event_positions (scope, owner_id, last)"
            " SELECT :organization_scope, :organization_id, :feed_last"
            " UNION ALL SELECT :order_scope, order_id, last FROM bench_orders WHERE last > 0"
            " ON CONFLICT (scope, owner_id) DO UPDATE SET last = excluded.last"), {
            "organization_scope": event_positions.ORGANIZATION,
            "organization_id": organization_id, "feed_last": base + count,
            "order_scope": event_positions.ORDER})
        connection.execute(text("DROP TABLE bench_orders"))
        connection.commit()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bulk-load", action="store_true",
                        help="PostgreSQL only: make the events server-side (INSERT ... SELECT"
                             " from generate_series, a million rows a chunk) rather than with"
                             " Python executemany batches; the same distribution")
    parser.add_argument("--pages", default="",
                        help="more page numbers to time for each filter that has them, e.g."
                             " another run's deep pages, to compare the same pages")
    args = parser.parse_args()
    if args.bulk_load and not (args.database_url or "").startswith("postgresql"):
        parser.error("--bulk-load is for PostgreSQL only (it uses generate_series and"
                     " gen_random_uuid): give a postgresql:// --database-url, or leave"
                     " --bulk-load out to load SQLite with Python batches")
    extra = {int(p) for p in args.pages.split(",") if p}
    rng = random.Random(args.seed)

    folder = tempfile.mkdtemp(prefix="portin-bench-")
    url = args.database_url or str(Path(folder) / "bench.db")
    migrations.upgrade(url)
    db = Database(url)
    with db.writing() as session:
        organization = create_organization(session, f"bench-{uuid.uuid4().hex[:6]}")
        key = create_api_key(session, "user", organization.id)
    orders = load(db, organization.id, args.events, rng, bulk=args.bulk_load)

    statements: list[tuple[str, Any]] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    app = create_app(Settings(database_url=url), db)
    headers = {"Authorization": f"Bearer {key}"}
    mid = (START + timedelta(days=150)).isoformat()
    end = (START + timedelta(days=160)).isoformat()
    end_100 = (START + timedelta(days=250)).isoformat()
    mid_day = (START + timedelta(days=150, hours=13, minutes=17)).isoformat()
    end_mid_day = (START + timedelta(days=160, hours=13, minutes=17)).isoformat()
    end_100_mid_day = (START + timedelta(days=250, hours=13, minutes=17)).isoformat()
    shapes = {
        "no filter": {},
        "type": {"filter[type]": "porting_order.split"},
        "porting_order_id": {"filter[porting_order_id]": orders[0]},
        "created_at 10-day range": {"filter[created_at][gte]": mid,
                                    "filter[created_at][lte]": end},
        "type + created_at range": {"filter[type]": "porting_order.status_changed",
                                    "filter[created_at][gte]": mid,
                                    "filter[created_at][lte]": end},
        # Bounds inside a day, so the day counters' two partial days are counted row by row.
        "10-day range, mid-day": {"filter[created_at][gte]": mid_day,
                                  "filter[created_at][lte]": end_mid_day},
        # Ten times the rows of the 10-day ranges, with the same bounds' times of day.
        "created_at 100-day range": {"filter[created_at][gte]": mid,
                                     "filter[created_at][lte]": end_100},
        "100-day range, mid-day": {"filter[created_at][gte]": mid_day,
                                   "filter[created_at][lte]": end_100_mid_day},
    }
    print(f"\n{args.events:,} events, {db.engine.dialect.name}, page[size]=20, "
          f"{args.samples} samples each; milliseconds")
    print(f"{'filter':28} {'page':>6} {'results':>9} {'API p50':>8} {'API p99':>8} "
          f"{'SQL p50':>8} {'SQL p99':>8}")
    with TestClient(app) as client:
        for name, params in shapes.items():
            total = client.get("/v2/porting/events", params=params,
                               headers=headers).json()["meta"]["total_results"]
            deep = max(1, (total // 20) // 2)
            last = max(1, -(-total // 20))
            for page in sorted(p for p in {1, deep, *extra} if p <= last):
                query = {**params, "page[size]": "20", "page[number]": str(page)}
                api_times: list[float] = []
                for _ in range(args.samples):
                    statements.clear()
                    started = time.perf_counter()
                    response = client.get("/v2/porting/events", params=query, headers=headers)
                    api_times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
                captured = [s for s in statements if "porting_events" in s[0]]
                sql_times: list[float] = []
                raw = db.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    for _ in range(args.samples):
                        started = time.perf_counter()
                        for statement, parameters in captured:
                            cursor.execute(statement, parameters)
                            cursor.fetchall()
                        sql_times.append((time.perf_counter() - started) * 1000)
                    raw.rollback()
                finally:
                    raw.close()
                print(f"{name:28} {page:>6} {total:>9,} {statistics.median(api_times):8.2f} "
                      f"{percentile(api_times, 0.99):8.2f} {statistics.median(sql_times):8.2f} "
                      f"{percentile(sql_times, 0.99):8.2f}")
    db.dispose()


if __name__ == "__main__":
    main()
