"""PostgreSQL's monthly partitions of deliveries and attempts (storage/partitions.py): the
months ahead made once, rows written while their month was missing moved into it, a month
dropped only when all of it is old and finished, legacy ids pruned in batches from DEFAULT,
a busy lock left for the next pass; migration 0022 up and down with rows in place (and on
SQLite, the attempts' new primary key); the queue's autovacuum settings on every partition
(0025, and the upkeep's)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import Connection, func, insert, inspect, select, text, update

from portin.config import Settings
from portin.domain.ids import lowest_id_at
from portin.domain.timefmt import utcnow
from portin.services.partitions import keep_partitions
from portin.services.retention import prune
from portin.storage import migrations
from portin.storage import partitions as store
from portin.storage.db import Database
from portin.storage.models import Delivery, DeliveryAttempt, PortingEvent
from portin.worker.scheduler import RetentionClock, run_retention
from tests.conftest import BACKENDS, POSTGRES_URL, make_tenant
from tests.integration.test_delivery_store import claim, record, record_for

NOW = utcnow()
MONTH = store.Month.of(NOW)
KEEP_ALL = 36_500  # a delivery retention under which nothing is old


def id_at(moment: datetime) -> str:
    """A version 7 id made at `moment`."""
    rest = uuid.uuid4().hex
    return f"{lowest_id_at(moment)[:13]}-7{rest[:3]}-8{rest[3:6]}-{rest[6:18]}"


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """An empty PostgreSQL database of its own (the tests change its partitions)."""
    yield from _fresh("postgresql", tmp_path)


@pytest.fixture(params=BACKENDS)
def any_fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from _fresh(request.param, tmp_path)


def _fresh(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(tmp_path / "fresh.db")
        return
    name = f"portin_partitions_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES_URL.rpartition('/')[0]}/{name}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg(fresh_url: str) -> Iterator[Database]:
    migrations.upgrade(fresh_url)
    database = Database(fresh_url)
    yield database
    database.dispose()


class Rows:
    """An organization and one event, and deliveries (with attempts) to it at chosen times."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.organization_id = make_tenant(db).organization_id
        self.event_id = str(uuid.uuid4())
        with db.writing() as session:
            session.execute(insert(PortingEvent).values(
                id=self.event_id, organization_id=self.organization_id,
                porting_order_id=str(uuid.uuid4()), event_type="porting_order.status_changed",
                payload={"n": 1}, notification_methods=["webhook"], created_at=NOW,
                sequence=1, feed_position=1))

    def add(self, delivery_id: str, status: str, created: datetime,
            finished: datetime | None = None, attempts: int = 2) -> str:
        with self.db.writing() as session:
            session.execute(insert(Delivery).values(
                id=delivery_id, organization_id=self.organization_id, event_id=self.event_id,
                event_type="porting_order.status_changed", method="webhook",
                destination="http://127.0.0.1:9/hook", republished=False, status=status,
                attempt_count=attempts, next_attempt_at=created, created_at=created,
                started_at=created, finished_at=finished))
            for n in range(1, attempts + 1):
                session.execute(insert(DeliveryAttempt).values(
                    id=id_at(created), delivery_id=delivery_id, attempt=n, status="failed",
                    started_at=created, finished_at=created, duration_ms=12, http=None,
                    email=None, error=None, errors=[], sent_by="test"))
        return delivery_id


def where(db: Database, delivery_id: str) -> tuple[str, set[str]]:
    """The partition a delivery is in, and those its attempts are in."""
    with db.reading() as session:
        table = session.execute(text(
            "SELECT tableoid::regclass::text FROM deliveries WHERE id = :id"),
            {"id": delivery_id}).scalar_one()
        attempts = set(session.execute(text(
            "SELECT tableoid::regclass::text FROM delivery_attempts WHERE delivery_id = :id"),
            {"id": delivery_id}).scalars())
    return table, attempts


def ids(db: Database) -> set[str]:
    with db.reading() as session:
        return set(session.execute(select(Delivery.id)).scalars())


def attempt_count(db: Database) -> int:
    with db.reading() as session:
        return int(session.execute(select(func.count()).select_from(DeliveryAttempt))
                   .scalar_one())


def months(db: Database) -> list[store.Month]:
    with db.reading() as session:
        return store.months(session.connection())


def add_month(db: Database, month: store.Month) -> int | None:
    with db.writing() as session:
        return store.add_month(session.connection(), month)


# What a queue's partitions carry (storage/partitions.py AUTOVACUUM), written out here so a
# changed value is seen.
_COUNTS = frozenset({"autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=20000",
                     "autovacuum_vacuum_insert_scale_factor=0",
                     "autovacuum_vacuum_insert_threshold=20000"})
DELIVERIES_OPTIONS = _COUNTS | {"fillfactor=50", "vacuum_index_cleanup=on"}
ATTEMPTS_OPTIONS = _COUNTS


def reloptions(db: Database) -> dict[str, frozenset[str]]:
    """Every partition of deliveries and attempts, and its storage parameters."""
    with db.reading() as session:
        rows = session.execute(text(
            "SELECT c.relname, coalesce(c.reloptions, '{}') FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent IN ('deliveries'::regclass, 'delivery_attempts'::regclass)"))
        return {name: frozenset(options) for name, options in rows}


def an_old_month_all_delivered(db: Database) -> store.Month:
    """Six months ago, in a partition of its own, holding one delivery finished 40 days ago:
    a month retention may drop."""
    month = MONTH.next(-6)
    made = month.start() + timedelta(days=1)
    Rows(db).add(id_at(made), "delivered", made, NOW - timedelta(days=40))
    add_month(db, month)
    return month


def test_upkeep_does_nothing_on_sqlite_and_nothing_twice(db: Database) -> None:
    """On the run's shared databases: the migration made this month and the next two."""
    kept = keep_partitions(db, NOW, KEEP_ALL)
    assert (kept.created, kept.dropped, kept.busy) == ([], [], [])
    if db.is_sqlite:
        return
    assert {MONTH.next(n) for n in range(store.MONTHS_AHEAD + 1)} <= set(months(db))


def test_upkeep_creates_the_months_ahead_once(pg: Database) -> None:
    assert months(pg) == [MONTH, MONTH.next(), MONTH.next(2)]
    later = MONTH.next(3).start() + timedelta(days=3)
    first = keep_partitions(pg, later, KEEP_ALL)
    assert first.created == [MONTH.next(n).suffix for n in (3, 4, 5)]
    again = keep_partitions(pg, later, KEEP_ALL)
    assert (again.created, again.dropped, again.busy) == ([], [], [])
    assert months(pg) == [MONTH.next(n) for n in range(6)]
    # Every pair carries its own key from attempts to deliveries, and the deliveries' room.
    with pg.reading() as session:
        keys = set(session.execute(text(
            "SELECT conrelid::regclass::text || '>' || confrelid::regclass::text"
            " FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid::regclass::text LIKE 'delivery_attempts_%'")).scalars())
    assert keys == {f"delivery_attempts_{s}>deliveries_{s}"
                    for s in [m.suffix for m in months(pg)] + ["default"]}
    # Those the upkeep made carry the autovacuum settings too (0025 set them on the others).
    options = reloptions(pg)
    for month in (MONTH.next(n) for n in (3, 4, 5)):
        assert options[f"deliveries_{month.suffix}"] == DELIVERIES_OPTIONS
        assert options[f"delivery_attempts_{month.suffix}"] == ATTEMPTS_OPTIONS
    assert set(options.values()) == {DELIVERIES_OPTIONS, ATTEMPTS_OPTIONS}


def test_rows_written_while_their_month_was_missing_move_into_it(pg: Database) -> None:
    rows = Rows(pg)
    ahead = MONTH.next(4)
    early = rows.add(id_at(ahead.start() + timedelta(days=2)), "pending", NOW)
    assert where(pg, early) == ("deliveries_default", {"delivery_attempts_default"})
    kept = keep_partitions(pg, MONTH.next(3).start(), KEEP_ALL)
    assert kept.created == [MONTH.next(n).suffix for n in (3, 4, 5)]
    assert kept.moved == 1
    assert where(pg, early) == (f"deliveries_{ahead.suffix}",
                                {f"delivery_attempts_{ahead.suffix}"})
    assert attempt_count(pg) == 2


def test_a_month_is_dropped_only_when_all_of_it_is_old_and_finished(pg: Database) -> None:
    rows = Rows(pg)
    a, b, c = MONTH.next(-6), MONTH.next(-5), MONTH.next(-4)
    old = NOW - timedelta(days=40)

    def made(month: store.Month) -> datetime:
        return month.start() + timedelta(days=3)

    a1 = rows.add(id_at(made(a)), "delivered", made(a), old)
    a2 = rows.add(id_at(made(a)), "failed", made(a), old)
    b1 = rows.add(id_at(made(b)), "delivered", made(b), old)
    b2 = rows.add(id_at(made(b)), "pending", made(b))
    c1 = rows.add(id_at(made(c)), "delivered", made(c), NOW - timedelta(days=10))
    legacy_old = rows.add(str(uuid.uuid4()), "delivered", made(a), old)
    legacy_paused = rows.add(str(uuid.uuid4()), "paused", made(a))
    assert {where(pg, d)[0] for d in (a1, b1, c1, legacy_old)} == {"deliveries_default"}
    assert [add_month(pg, m) for m in (a, b, c)] == [2, 2, 1]
    assert where(pg, a1) == (f"deliveries_{a.suffix}", {f"delivery_attempts_{a.suffix}"})
    assert where(pg, legacy_old) == ("deliveries_default", {"delivery_attempts_default"})

    kept = keep_partitions(pg, NOW, 30)
    assert (kept.dropped, kept.busy) == ([a.suffix], [])
    assert a not in months(pg) and {b, c} <= set(months(pg))
    assert ids(pg) == {b1, b2, c1, legacy_old, legacy_paused}
    assert attempt_count(pg) == 10
    assert a2 not in ids(pg)

    # What is left is pruned in batches as before: the old finished rows of a month in use
    # and of DEFAULT (a legacy id) go, the pending, paused and recent ones stay.
    pruned = prune(pg, NOW, 30, None, pause_seconds=0)
    assert (pruned.deliveries, pruned.attempts) == (2, 4)
    assert ids(pg) == {b2, c1, legacy_paused}

    # The pending delivery kept its month; once it has finished long enough, the month goes.
    assert keep_partitions(pg, NOW, 30).dropped == []
    with pg.writing() as session:
        session.execute(update(Delivery).where(Delivery.id == b2).values(
            status="failed", finished_at=old))
    assert keep_partitions(pg, NOW, 30).dropped == [b.suffix]
    # A month with a delivery finished within the retention stays.
    assert c in months(pg) and ids(pg) == {c1, legacy_paused}


def test_a_busy_lock_leaves_the_month_for_the_next_pass(pg: Database,
                                                        fresh_url: str) -> None:
    month = an_old_month_all_delivered(pg)
    with psycopg.connect(fresh_url) as reader:  # a long read holds the table's lock
        reader.execute("SELECT count(*) FROM deliveries").fetchone()
        started = time.monotonic()
        kept = keep_partitions(pg, NOW, 30)
        waited = time.monotonic() - started
    assert (kept.dropped, kept.busy) == ([], [month.suffix])
    assert 0.9 < waited < 5
    assert keep_partitions(pg, NOW, 30).dropped == [month.suffix]


def _shape(connection: Connection) -> dict[str, object]:
    inspector = inspect(connection)
    return {
        "attempts_key": inspector.get_pk_constraint("delivery_attempts")["constrained_columns"],
        "indexes": sorted(str(i["name"]) for i in inspector.get_indexes("deliveries")),
        "unique": [u["name"] for u in inspector.get_unique_constraints("delivery_attempts")],
        "keys": sorted(str(k["referred_table"]) for t in ("deliveries", "delivery_attempts")
                       for k in inspector.get_foreign_keys(t)),
    }


def _kind(connection: Connection) -> str | None:
    if connection.dialect.name != "postgresql":
        return None
    return str(connection.execute(text(
        "SELECT relkind::text || coalesce(array_to_string(reloptions, ','), '') FROM pg_class"
        " WHERE relname = 'deliveries'")).scalar_one())


def test_migration_0022_keeps_the_rows_up_and_down(any_fresh_url: str) -> None:
    migrations.upgrade(any_fresh_url, "0023")
    db = Database(any_fresh_url)
    try:
        rows = Rows(db)
        earlier = MONTH.next(-2).start() + timedelta(days=5)
        done = rows.add(id_at(earlier), "delivered", earlier, earlier)
        due = [rows.add(id_at(NOW), "pending", NOW - timedelta(seconds=5), attempts=0)
               for _ in range(2)]
        legacy = rows.add(str(uuid.uuid4()), "pending", NOW - timedelta(seconds=5), attempts=1)
        with db.engine.connect() as connection:
            before = _shape(connection)
            assert _kind(connection) in (None, "rfillfactor=50")
        assert before["attempts_key"] == ["id"]

        migrations.upgrade(any_fresh_url, "0022")
        db.dispose()
        assert ids(db) == {done, legacy, *due} and attempt_count(db) == 3
        with db.engine.connect() as connection:
            after = _shape(connection)
            assert _kind(connection) in (None, "p")
        # On PostgreSQL an attempt's key to its delivery is on the pairs of partitions.
        assert after == {**before, "attempts_key": ["delivery_id", "id"], "keys": (
            before["keys"] if db.is_sqlite else ["organizations", "porting_events"])}
        if not db.is_sqlite:
            assert months(db) == [MONTH.next(n) for n in range(-2, store.MONTHS_AHEAD + 1)]
            earlier_month = store.Month.of(earlier).suffix
            assert where(db, done) == (f"deliveries_{earlier_month}",
                                       {f"delivery_attempts_{earlier_month}"})
            assert where(db, legacy)[0] == "deliveries_default"
        # The worker claims and records across the partitions.
        claimed = claim(db, "w")
        assert {c.delivery_id for c in claimed} == {legacy, *due}
        assert record(db, "w", [record_for(c) for c in claimed]) == 3
        assert attempt_count(db) == 6

        command.downgrade(migrations.alembic_config(any_fresh_url), "0023")
        db.dispose()
        assert ids(db) == {done, legacy, *due} and attempt_count(db) == 6
        with db.engine.connect() as connection:
            assert _shape(connection) == before
            assert _kind(connection) in (None, "rfillfactor=50")
        migrations.upgrade(any_fresh_url)
        db.dispose()
        assert attempt_count(db) == 6
    finally:
        db.dispose()


def test_the_schedulers_retention_pass_keeps_the_partitions(pg: Database,
                                                            fresh_url: str) -> None:
    an_old_month_all_delivered(pg)
    run_retention(pg, Settings(database_url=fresh_url), RetentionClock(600))
    assert months(pg) == [MONTH.next(n) for n in range(store.MONTHS_AHEAD + 1)]
    assert ids(pg) == set() and attempt_count(pg) == 0


def test_migration_0025_sets_autovacuum_on_every_partition_and_resets_it(
        fresh_url: str) -> None:
    migrations.upgrade(fresh_url, "0022")
    db = Database(fresh_url)
    try:
        before = reloptions(db)
        names = {f"{t}_{s}" for t in ("deliveries", "delivery_attempts")
                 for s in [m.suffix for m in months(db)] + ["default"]}
        assert set(before) == names and len(names) == 2 * (store.MONTHS_AHEAD + 2)
        assert {n: o for n, o in before.items() if o} == {
            n: frozenset({"fillfactor=50"}) for n in names if n.startswith("deliveries_")}

        migrations.upgrade(fresh_url, "0025")
        db.dispose()
        assert reloptions(db) == {
            n: DELIVERIES_OPTIONS if n.startswith("deliveries_") else ATTEMPTS_OPTIONS
            for n in names}
        with db.reading() as session:  # the parents take none
            assert session.execute(text(
                "SELECT count(*) FROM pg_class WHERE relname IN"
                " ('deliveries', 'delivery_attempts') AND reloptions IS NOT NULL")).scalar() == 0

        command.downgrade(migrations.alembic_config(fresh_url), "0022")
        db.dispose()
        assert reloptions(db) == before
    finally:
        db.dispose()
