"""Migration 0022 (deliveries and attempts into monthly partitions) at N deliveries with two
attempts each, on PostgreSQL: how long the upgrade's rewrite takes (and 0025's autovacuum
settings on every partition after it), how long dropping one old month holds its locks, how
long making a month ahead takes, and the downgrades; and, to compare, dropping a month when
the attempts' key to their delivery is on the parents.

    PYTHONPATH=src flock /work/wt/bench.lock .venv/bin/python bench/partitions.py \\
        --deliveries 1000000

A scratch database is created, migrated to 0019, filled (ids of version 7 spread over this
month and the three before it, all finished long ago), and dropped at the end.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import psycopg
from alembic import command
from sqlalchemy import text

from portin.domain.timefmt import utcnow
from portin.services.accounts import create_organization
from portin.storage import migrations
from portin.storage import partitions as store
from portin.storage.db import Database

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"



def _id(r: str) -> str:
    """A version 7 id made at the row's time (its hex `h`), random bits from the text `r`."""
    return (f"substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr({r}, 1, 3) || '-8'"
            f" || substr({r}, 4, 3) || '-' || substr({r}, 7, 12)")


def fill(db: Database, n: int) -> None:
    now = utcnow().replace(tzinfo=None)
    first = store.Month.of(utcnow()).next(-3).start().replace(tzinfo=None)
    span = (now - timedelta(days=1) - first).total_seconds()
    with db.writing() as session:
        organization = create_organization(session, "bench").id
        event = str(uuid.uuid4())
        session.execute(text(
            "INSERT INTO porting_events (id, organization_id, porting_order_id, event_type,"
            " payload, notification_methods, created_at, sequence, feed_position) VALUES"
            " (:id, :org, :id, 'porting_order.status_changed', '{}', '[]', now(), 1, 1)"),
            {"id": event, "org": organization})
    with db.writing() as session:
        session.execute(text(
            "CREATE TEMP TABLE made ON COMMIT DROP AS SELECT s.i, t,"
            " lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0') AS h,"
            " md5(s.i::text) AS r FROM generate_series(1, :n) AS s(i),"
            " LATERAL (SELECT :first + (s.i * :span / :n) * interval '1 second' AS t) AS x"),
            {"n": n, "first": first, "span": span})
        session.execute(text(
            "INSERT INTO deliveries (id, organization_id, event_id, event_type, method,"
            " destination, republished, status, attempt_count, next_attempt_at, created_at,"
            f" started_at, finished_at) SELECT {_id('r')}, :org, :event,"
            " 'porting_order.status_changed', 'webhook', 'http://127.0.0.1:9/hook', false,"
            " 'delivered', 2, t, t, t, t FROM made"), {"org": organization, "event": event})
        for attempt in (1, 2):
            session.execute(text(
                "INSERT INTO delivery_attempts (id, delivery_id, attempt, status, started_at,"
                " finished_at, duration_ms, http, email, error, errors, sent_by)"
                f" SELECT {_id(f'md5(r || {attempt})')}, {_id('r')}, :attempt,"
                " 'delivered', t, t, 12, NULL, NULL, NULL, '[]', 'bench' FROM made"),
                {"attempt": attempt})


def timed(label: str, work: Callable[[], object]) -> float:
    started = time.monotonic()
    work()
    seconds = time.monotonic() - started
    print(f"{label}: {seconds:.2f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=100_000)
    args = parser.parse_args()
    n = args.deliveries
    name = f"partitions_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{ADMIN.rpartition('/')[0]}/{name}"
    try:
        migrations.upgrade(url, "0019")
        db = Database(url)
        timed(f"fill {n:,} deliveries + {2 * n:,} attempts", lambda: fill(db, n))
        db.dispose()
        up = timed("upgrade 0019 -> 0022 (rewrite)", lambda: migrations.upgrade(url, "0022"))
        print(f"  per million deliveries (with 2M attempts): {up * 1_000_000 / n:.1f} s")
        timed("upgrade 0022 -> 0025 (autovacuum settings on every partition)",
              lambda: migrations.upgrade(url, "0025"))
        migrations.upgrade(url)
        with db.reading() as session:
            found = store.months(session.connection())
            sizes = session.execute(text(
                "SELECT c.relname, c.reltuples::bigint FROM pg_inherits i JOIN pg_class c"
                " ON c.oid = i.inhrelid WHERE i.inhparent = 'deliveries'::regclass"
                " ORDER BY c.relname")).all()
        print("  partitions:", ", ".join(f"{r[0]} ~{r[1]:,}" for r in sizes))
        oldest = found[0]
        cutoff = utcnow()

        def drop() -> None:
            with db.writing() as session:
                assert store.drop_month(session.connection(), oldest, cutoff)

        timed(f"drop month {oldest.suffix} (the locks' hold: one transaction)", drop)
        ahead = found[-1].next()

        def add() -> None:
            with db.writing() as session:
                store.add_month(session.connection(), ahead)

        timed(f"add month {ahead.suffix} (DEFAULT empty)", add)
        # The road not taken: the attempts' key to their delivery on the parents. Dropping a
        # month then makes DETACH prove that no attempt refers to it, under the same locks.
        next_oldest = found[1]

        def parent_key() -> None:
            with db.writing() as session:
                for suffix in [m.suffix for m in found[1:]] + [ahead.suffix, "default"]:
                    session.execute(text(
                        f"ALTER TABLE delivery_attempts_{suffix} DROP CONSTRAINT"
                        f" delivery_attempts_{suffix}_delivery_id_fkey"))
                session.execute(text(
                    "ALTER TABLE delivery_attempts ADD CONSTRAINT"
                    " delivery_attempts_delivery_id_fkey FOREIGN KEY (delivery_id)"
                    " REFERENCES deliveries (id)"))

        timed("(compare) the key moved to the parents", parent_key)

        def drop_with_parent_key() -> None:
            # The detached attempts would still refer to the parent: dropped before the
            # deliveries' partition is detached.
            x = next_oldest.suffix
            with db.writing() as session:
                for statement in (
                        "LOCK TABLE ONLY deliveries, delivery_attempts IN ACCESS EXCLUSIVE MODE",
                        f"ALTER TABLE delivery_attempts DETACH PARTITION delivery_attempts_{x}",
                        f"DROP TABLE delivery_attempts_{x}",
                        f"ALTER TABLE deliveries DETACH PARTITION deliveries_{x}",
                        f"DROP TABLE deliveries_{x}"):
                    session.execute(text(statement))

        timed(f"(compare) drop month {next_oldest.suffix} with the key on the parents",
              drop_with_parent_key)
        db.dispose()
        timed("downgrade head -> 0022 (0025: the settings RESET)",
              lambda: command.downgrade(migrations.alembic_config(url), "0022"))
        down = timed("downgrade 0022 -> 0019 (rewrite)",
                     lambda: command.downgrade(migrations.alembic_config(url), "0019"))
        print(f"  per million deliveries left: {down * 1_000_000 / n:.1f} s (fewer rows now)")
        db.dispose()
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
