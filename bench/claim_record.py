"""The outbox's own cost per delivery, without HTTP: commit events, then claim and record them.

    .venv/bin/python bench/claim_record.py [--events 10000] [--rounds 3] [--database-url URL]

A --database-url is migrated and filled with benchmark data: give it a scratch database.

Each round commits --events events (100 to a transaction, one subscribed webhook channel, as
`bench/delivery.py` does), then drains them as the worker would, without sending: claim 32,
record them as delivered in the next claim's transaction, until none is left. It prints the
CPU time of this process per delivery for each half, and the wall-clock time of the draining
(on PostgreSQL it includes the server's work, which the CPU time does not count).

--read-between runs a read session (`db.reading()`, one short select) after each claim, as the
worker's rendering of an email does: on PostgreSQL a read that rolled back made psycopg forget
the connection's prepared statements, and the next claim there was planned anew.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from delivery import make_org, subscribe, write_events
from sqlalchemy import select

from portin.domain.timefmt import utcnow
from portin.outbox.queue import DeliveryQueue
from portin.outbox.rows import AttemptRecord, Claimed
from portin.storage import migrations
from portin.storage.db import Database
from portin.storage.models import Organization

BATCH = 32
# What a webhook attempt's log holds, about as big as a real one.
HTTP = {"request": {"url": "http://127.0.0.1:9/hook/0", "headers": [
            ["Content-Type", "application/json"], ["telnyx-timestamp", "1764300000"],
            ["telnyx-signature-ed25519", "A" * 88]]},
        "response": {"status": 200, "headers": [
            ["Content-Type", "text/plain; charset=utf-8"], ["Content-Length", "2"],
            ["Date", "Sat, 28 Nov 2026 03:50:00 GMT"], ["Server", "Python/3.11 aiohttp/3.14.5"]],
            "body": "ok"}}


def delivered(claimed: list[Claimed]) -> list[AttemptRecord]:
    now = utcnow()
    return [AttemptRecord(item, "delivered", "delivered", None, now, now, 1, HTTP, None, None,
                          []) for item in claimed]


def drain(db: Database, read_between: bool) -> int:
    records: list[AttemptRecord] = []
    done = 0
    while True:
        with db.driver_writing() as connection:
            queue = DeliveryQueue(connection, db.engine.dialect.name)
            queue.record("bench", records)
            now = utcnow()
            claimed = queue.claim("bench", now, now + timedelta(seconds=60), BATCH, BATCH, {})
        if not claimed and not records:
            return done
        if read_between:
            with db.reading() as session:
                session.execute(select(Organization.id).limit(1)).all()
        records = delivered(claimed)
        done += len(claimed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--read-between", action="store_true",
                        help="a read session after each claim (as an email's rendering)")
    args = parser.parse_args()
    url = args.database_url or str(Path(tempfile.mkdtemp(prefix="portin-claims-")) / "b.db")
    migrations.upgrade(url)
    db = Database(url)
    organization_id, order, _ = make_org(db)
    subscribe(db, organization_id, ["http://127.0.0.1:9/hook/0"])
    print(f"database: {db.engine.dialect.name}; {args.events} events a round, claims of {BATCH}"
          + ("; a read session after each claim" if args.read_between else ""))
    try:
        for n in range(1, args.rounds + 1):
            started = time.process_time()
            write_events(db, order, args.events, 100)
            committed, wall = time.process_time(), time.perf_counter()
            done = drain(db, args.read_between)
            drained, wall = time.process_time(), time.perf_counter() - wall
            print(f"round {n}: commit {(committed - started) / args.events * 1000:.3f} ms CPU"
                  f" per event; claim and record {(drained - committed) / done * 1000:.3f} ms"
                  f" CPU, {wall / done * 1000:.3f} ms wall per delivery ({done} deliveries)")
    finally:
        db.dispose()


if __name__ == "__main__":
    main()
