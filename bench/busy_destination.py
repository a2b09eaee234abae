"""A claim's cost while one destination is busy and holds a backlog of due deliveries.

    .venv/bin/python bench/busy_destination.py [--backlogs 0,1000,10000,100000]
        [--database-url postgresql://...]

A --database-url is migrated and filled with benchmark data: give it a scratch database.

The worker claims with the destinations it already keeps at their cap (busy) left out. Until
2026-12-03 the claim walked the due deliveries oldest first in SQL, so every due delivery of a
busy destination that is older than the others' was read and passed over, at every claim. Now
the claim reads a window of the oldest due and, when that is all busy destinations, looks
past it destination by destination (outbox/queries.py). Here destination A
holds --backlogs due retries (older than anything else, as after an outage) and is busy;
destination B has 10 new deliveries. Each claim of 32 (the worker's own `DeliveryQueue.claim`,
lease included, in a transaction rolled back so that every round sees the same rows) takes
B's 10; its time is the median of 20 rounds. Without `busy` the claim takes A's oldest and
B's share instead, as it should when A has free slots: that case is timed too, as the floor.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from delivery import make_org, write_events

from portin.domain.timefmt import utcnow
from portin.outbox.queue import DeliveryQueue
from portin.outbox.spelling import SPELLINGS
from portin.storage import migrations
from portin.storage.db import Database

A, B = "http://127.0.0.1:9/a", "http://127.0.0.1:9/b"
ROUNDS = 20


class _Undo(Exception):
    """Raised to roll a timed claim back."""


def fill(db: Database, organization_id: str, event_id: str, backlog: int) -> None:
    """Replace the deliveries with `backlog` due retries to A and 10 new deliveries to B, all
    of one event (only the claim's cost is looked at)."""
    spelling = SPELLINGS[db.engine.dialect.name]
    now = utcnow()
    rows = [{"id": str(uuid.uuid4()), "destination": A, "attempts": 3,
             "due": spelling.to_db(now - timedelta(hours=2) + timedelta(microseconds=n)),
             "created": spelling.to_db(now - timedelta(hours=3))} for n in range(backlog)]
    rows += [{"id": str(uuid.uuid4()), "destination": B, "attempts": 0,
              "due": spelling.to_db(now - timedelta(seconds=1)),
              "created": spelling.to_db(now - timedelta(seconds=1))} for _ in range(10)]
    statement = spelling.parameters(
        "INSERT INTO deliveries (id, organization_id, event_id, event_type, method, destination,"
        " republished, status, attempt_count, next_attempt_at, created_at) VALUES (:id,"
        f" '{organization_id}', '{event_id}', 'porting_order.new_comment', 'webhook',"
        " :destination, false, 'pending', :attempts, :due, :created)")
    with db.driver_writing() as connection:
        cursor = connection.cursor()
        cursor.execute("DELETE FROM deliveries")
        for start in range(0, len(rows), 10_000):
            cursor.executemany(statement, rows[start:start + 10_000])
    with db.driver_writing() as connection:
        connection.cursor().execute("ANALYZE")


def claim_ms(db: Database, in_flight: dict[str, int]) -> tuple[float, int]:
    """Median milliseconds of a claim of 32, and how many of B's it took."""
    times, taken = [], 0
    for _ in range(ROUNDS):
        try:
            with db.driver_writing() as connection:
                queue = DeliveryQueue(connection, db.engine.dialect.name)
                now = utcnow()
                started = time.perf_counter()
                claimed = queue.claim("bench", now, now + timedelta(seconds=30), 32, 32,
                                      in_flight)
                times.append((time.perf_counter() - started) * 1000)
                taken = sum(item.destination == B for item in claimed)
                raise _Undo
        except _Undo:
            pass
    return statistics.median(times), taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backlogs", default="0,1000,10000,100000")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or str(Path(folder) / "busy.db")
        migrations.upgrade(url)
        db = Database(url)
        organization_id, order, _key = make_org(db)
        [event_id] = write_events(db, order, 1, 1)
        print(f"database: {db.engine.dialect.name}; a claim of 32, median of {ROUNDS} rounds")
        for backlog in [int(n) for n in args.backlogs.split(",")]:
            fill(db, organization_id, event_id, backlog)
            busy, took = claim_ms(db, {A: 32})  # A has its cap of 32 in flight
            free, _ = claim_ms(db, {})
            print(f"backlog {backlog:7d} due to busy A: claim {busy:8.2f} ms (took {took} of"
                  f" B's 10); A not busy: {free:6.2f} ms; ratio {busy / free:6.1f}")
        db.dispose()


if __name__ == "__main__":
    main()
