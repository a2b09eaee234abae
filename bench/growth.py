"""Growth, the worker's claim: does claiming and recording cost the same with 10,000 and with
millions of finished deliveries in the table? (The claim reads the partial index of pending
deliveries only, so it should.) PostgreSQL, a scratch database created and dropped here.

    flock /work/wt/bench.lock .venv/bin/python bench/growth.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/growth_bench --sizes 10000,1000000

For each size (ascending) the table is topped up with finished deliveries (INSERT ... SELECT
generate_series, a million a statement), analyzed, then `bench/claim_record.py`'s rounds run:
commit --events events with one subscribed webhook each, claim and record them all.

Autovacuum (migration 0025's settings, or `--revision 0022` for PostgreSQL's defaults):

    flock /work/wt/bench.lock .venv/bin/python bench/growth.py --v7-ids --settle 65 \
        --database-url postgresql://postgres@127.0.0.1:5432/growth_vacuum --sizes 1000000 \
        --events 10000 --rounds 5

`--v7-ids` gives the finished deliveries version 7 ids of their time (a day ago), so on the
partitions they share the current month's with the queue, as a month's do (otherwise their
ids fall in DEFAULT). `--settle` waits after each round (autovacuum looks every minute), then
prints the month's n_dead_tup and autovacuum count and what a claim with nothing due costs:
its scan in due order steps over the index entries of delivered rows until a vacuum removes
them (the worker's claim timed 200 times, then the buffers of that scan).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from claim_record import BATCH, drain
from delivery import make_org, subscribe, write_events

from portin.domain.timefmt import utcnow
from portin.outbox.queue import DeliveryQueue
from portin.storage import migrations
from portin.storage.db import Database

CHUNK = 1_000_000
CLAIMS = 200


# A version 7 id of the row's millisecond (a day ago plus i ms) from the text of i.
V7_ID = ("substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(r, 1, 3) || '-8'"
         " || substr(r, 4, 3) || '-' || substr(r, 7, 12)")
V7_FROM = (" FROM (SELECT s.i, md5(s.i::text) AS r, lpad(to_hex(CAST(:ms AS bigint) + s.i),"
           " 12, '0') AS h FROM generate_series(CAST(:a AS bigint), CAST(:b AS bigint))"
           " AS s(i)) AS s")
LEGACY_FROM = " FROM generate_series(CAST(:a AS bigint), CAST(:b AS bigint)) AS s(i)"
# The claim's first step with nothing due: the partial index of pending deliveries in due
# order (ix_deliveries_pending_due), as `candidates` reads it.
PROBE = ("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id FROM deliveries"
         " WHERE status = 'pending' AND next_attempt_at <= :now ORDER BY next_attempt_at"
         " LIMIT 32")


def top_up(db: Database, organization_id: str, have: int, want: int, v7: bool) -> None:
    with db.writing() as session:
        event_id = session.execute(text("SELECT id FROM porting_events LIMIT 1")).scalar_one()
    finished = utcnow() - timedelta(days=1)
    ms = int(finished.timestamp() * 1000)
    row_id, source = (V7_ID, V7_FROM) if v7 else ("'fin-' || lpad(s.i::text, 12, '0')",
                                                  LEGACY_FROM)
    while have < want:
        n = min(CHUNK, want - have)
        with db.writing() as session:
            session.execute(text(
                "INSERT INTO deliveries (id, organization_id, event_id, event_type, method,"
                " destination, republished, status, attempt_count, next_attempt_at, created_at,"
                " started_at, finished_at)"
                f" SELECT {row_id}, :org, :event,"
                " 'porting_order.status_changed', 'webhook', 'http://127.0.0.1:9/hook/0', false,"
                f" 'delivered', 1, :t, :t, :t, :t{source}"),
                {"org": organization_id, "event": event_id, "t": finished, "ms": ms,
                 "a": have + 1, "b": have + n})
        have += n
    with db.writing() as session:
        session.execute(text("ANALYZE deliveries"))


def largest(db: Database) -> str:
    """The deliveries partition (or table) holding the most rows."""
    with db.reading() as session:
        return str(session.execute(text(
            "SELECT relname FROM pg_stat_user_tables WHERE relname LIKE 'deliveries%'"
            " ORDER BY n_live_tup + n_dead_tup DESC LIMIT 1")).scalar_one())


def autovacuum_threshold(db: Database, table: str) -> int:
    """The dead rows at which autovacuum (if on) vacuums `table`: threshold + scale factor x
    rows, from its storage parameters or the server's settings."""
    with db.reading() as session:
        tuples, options = session.execute(text(
            "SELECT reltuples, coalesce(reloptions, '{}') FROM pg_class WHERE relname = :t"),
            {"t": table}).one()
        found = dict(o.split("=", 1) for o in options)
        base = found.get("autovacuum_vacuum_threshold") or session.execute(text(
            "SELECT current_setting('autovacuum_vacuum_threshold')")).scalar_one()
        scale = found.get("autovacuum_vacuum_scale_factor") or session.execute(text(
            "SELECT current_setting('autovacuum_vacuum_scale_factor')")).scalar_one()
    return int(float(base) + float(scale) * max(float(tuples), 0))


def vacuum_state(db: Database) -> str:
    """The largest deliveries partition's dead rows and vacuums; with nothing due, the
    worker's claim timed, and the buffers of its due-order scan."""
    with db.reading() as session:
        name, dead, vacuums, last = session.execute(text(
            "SELECT relname, n_dead_tup, autovacuum_count, last_autovacuum"
            " FROM pg_stat_user_tables WHERE relname = :t"), {"t": largest(db)}).one()
    started = time.perf_counter()
    for _ in range(CLAIMS):
        with db.driver_writing() as connection:
            now = utcnow()
            assert not DeliveryQueue(connection, db.engine.dialect.name).claim(
                "bench", now, now + timedelta(seconds=60), BATCH, BATCH, [])
    claim_ms = (time.perf_counter() - started) / CLAIMS * 1000
    # After the claims, which have marked the entries of dead rows as such: what is left to
    # read is the index's own pages, not the rows'.
    with db.reading() as session:
        plan = session.execute(text(PROBE), {"now": utcnow()}).scalar_one()[0]
    buffers = plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"]
    when = f" (last {last:%H:%M:%S} UTC)" if last else ""
    return (f"{name}: n_dead_tup {dead:,} (autovacuum at {autovacuum_threshold(db, name):,}),"
            f" autovacuums {vacuums}{when}; nothing due: due-order scan {buffers} buffers,"
            f" claim {claim_ms:.3f} ms")


def vacuum(db: Database) -> str:
    """A plain VACUUM of the largest partition, as autovacuum runs it: it follows the
    table's vacuum_index_cleanup. Returns its time and what it did to the indexes."""
    table = largest(db)
    with psycopg.connect(db.engine.url.render_as_string(hide_password=False).replace(
            "postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        said: list[str] = []
        connection.add_notice_handler(lambda notice: said.append(notice.message_primary or ""))
        started = time.perf_counter()
        connection.execute(f"VACUUM (VERBOSE) {table}")
        seconds = time.perf_counter() - started
    # The table's report comes first, then its TOAST table's.
    found = re.search(r"index scan (bypassed|needed|not needed): (\d+) pages from table"
                      r" \(([\d.]+)% of total\)", " ".join(said))
    indexes = (f"index scan {found[1]} ({found[2]} pages with dead rows, {found[3]}%)"
               if found else "no report")
    return f"VACUUM {table}: {seconds:.2f} s, {indexes}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--revision", default="head",
                        help="migrate to this revision (0022: partitions, default autovacuum)")
    parser.add_argument("--v7-ids", action="store_true",
                        help="finished deliveries get version 7 ids of their time")
    parser.add_argument("--settle", type=float, default=0,
                        help="seconds to wait after each round, then print vacuum state")
    parser.add_argument("--vacuum", action="store_true",
                        help="after each round's report, a plain VACUUM (as autovacuum's),"
                        " and the report again")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database afterwards, to EXPLAIN the worker's statements")
    args = parser.parse_args()
    base, _, name = args.database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        migrations.upgrade(args.database_url, args.revision)
        db = Database(args.database_url)
        with db.reading() as session:
            print("autovacuum on this server:",
                  session.execute(text("SHOW autovacuum")).scalar_one())
        organization_id, order, _ = make_org(db)
        subscribe(db, organization_id, ["http://127.0.0.1:9/hook/0"])
        write_events(db, order, 1, 1)
        drain(db)
        have = 1
        for size in sorted(int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            top_up(db, organization_id, have, size, args.v7_ids)
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
                if args.settle or args.vacuum:
                    time.sleep(args.settle)
                    print(f"    round {len(walls)}: {walls[-1]:.3f} ms per delivery;"
                          f" after {args.settle:.0f} s: {vacuum_state(db)}", flush=True)
                if args.vacuum:
                    print(f"      {vacuum(db)}; then {vacuum_state(db)}", flush=True)
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
