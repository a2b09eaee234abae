"""Growth, the worker's claim: does claiming and recording cost the same with 10,000 and with
millions of finished deliveries in the table? (The claim reads the partial index of pending
deliveries only, so it should.) PostgreSQL, a scratch database created and dropped here.

    flock /work/wt/bench.lock .venv/bin/python bench/growth.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/growth_bench --sizes 10000,1000000

For each size (ascending) the table is topped up with finished deliveries (INSERT ... SELECT
generate_series, a million a statement), analyzed, then `bench/claim_record.py`'s rounds run:
commit --events events with one subscribed webhook each, claim and record them all.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from claim_record import drain
from delivery import make_org, subscribe, write_events

from portin.domain.timefmt import utcnow
from portin.storage import migrations
from portin.storage.db import Database

CHUNK = 1_000_000


def top_up(db: Database, organization_id: str, have: int, want: int) -> None:
    with db.writing() as session:
        event_id = session.execute(text("SELECT id FROM porting_events LIMIT 1")).scalar_one()
    finished = utcnow() - timedelta(days=1)
    while have < want:
        n = min(CHUNK, want - have)
        with db.writing() as session:
            session.execute(text(
                "INSERT INTO deliveries (id, organization_id, event_id, event_type, method,"
                " destination, republished, status, attempt_count, next_attempt_at, created_at,"
                " started_at, finished_at)"
                " SELECT 'fin-' || lpad(s.i::text, 12, '0'), :org, :event,"
                " 'porting_order.status_changed', 'webhook', 'http://127.0.0.1:9/hook/0', false,"
                " 'delivered', 1, :t, :t, :t, :t"
                " FROM generate_series(CAST(:a AS bigint), CAST(:b AS bigint)) AS s(i)"),
                {"org": organization_id, "event": event_id, "t": finished,
                 "a": have + 1, "b": have + n})
        have += n
    with db.writing() as session:
        session.execute(text("ANALYZE deliveries"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true",
                        help="keep the database afterwards, to EXPLAIN the worker's statements")
    args = parser.parse_args()
    base, _, name = args.database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        migrations.upgrade(args.database_url)
        db = Database(args.database_url)
        organization_id, order, _ = make_org(db)
        subscribe(db, organization_id, ["http://127.0.0.1:9/hook/0"])
        write_events(db, order, 1, 1)
        drain(db)
        have = 1
        for size in sorted(int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            top_up(db, organization_id, have, size)
            have = size
            print(f"finished deliveries: {size:,} (topped up in"
                  f" {time.perf_counter() - started:.0f} s)")
            walls, cpus = [], []
            for _ in range(args.rounds):
                write_events(db, order, args.events, 100)
                cpu, wall = time.process_time(), time.perf_counter()
                done = drain(db)
                walls.append((time.perf_counter() - wall) / done * 1000)
                cpus.append((time.process_time() - cpu) / done * 1000)
                have += done
            print(f"  claim and record, {args.rounds} rounds of {args.events:,}: wall"
                  f" {', '.join(f'{w:.3f}' for w in walls)} ms per delivery (median"
                  f" {statistics.median(walls):.3f}); CPU median"
                  f" {statistics.median(cpus):.3f} ms")
        db.dispose()
    finally:
        if args.keep:
            print(f"kept database {name}: drop it with dropdb")
        else:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
