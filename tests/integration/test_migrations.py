"""The Alembic chain builds exactly the schema the models describe, on both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from portin.storage import partitions
from portin.storage.db import Database
from portin.storage.migrations import alembic_config
from portin.storage.models import Base


def test_migrated_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as connection:
        # The partitions (PostgreSQL) are not in the models; their parents are compared.
        context = MigrationContext.configure(
            connection, opts={"include_name": partitions.include_name})
        differences = compare_metadata(context, Base.metadata)
        # Alembic does not compare primary keys.
        key = inspect(connection).get_pk_constraint("delivery_attempts")["constrained_columns"]
    if not db.is_sqlite:
        # There an attempt's key to its delivery is declared on each pair of partitions
        # instead of on the parents (storage/partitions.py; test_partitions checks the pairs).
        differences = [d for d in differences if not _attempts_delivery_key(d)]
    assert differences == []
    assert key == ["delivery_id", "id"]


def _attempts_delivery_key(difference: Any) -> bool:
    if not (isinstance(difference, tuple) and difference[0] == "add_fk"):
        return False
    key = difference[1]
    return bool(key.parent.name == "delivery_attempts" and key.column_keys == ["delivery_id"]
                and key.referred_table.name == "deliveries")


def test_0005_rewrites_sqlite_times_stored_with_an_offset(tmp_path: Path) -> None:
    url = str(tmp_path / "old.db")
    command.upgrade(alembic_config(url), "0004")
    engine = create_engine(f"sqlite:///{url}")
    with engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys=OFF"))
        connection.execute(text(
            "INSERT INTO deliveries (id, organization_id, event_id, event_type, method,"
            " destination, republished, status, attempt_count, next_attempt_at, created_at,"
            " started_at) VALUES ('d', 'o', 'e', 't', 'webhook', 'x', 0, 'pending', 1,"
            " '2026-11-25 08:41:49.991842+00:00', '2026-11-25 08:41:49.000000',"
            " '2026-11-25 08:41:49+00:00')"))
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        stored = connection.execute(text(
            "SELECT started_at, next_attempt_at FROM deliveries")).one()
    engine.dispose()
    assert tuple(stored) == ("2026-11-25 08:41:49.000000", "2026-11-25 08:41:49.991842")


def test_0016_numbers_the_events_already_stored(tmp_path: Path) -> None:
    """Each order's events 1, 2, 3 ... in the order of its history, each organization's feed
    in insertion order, and the counters set so that new events follow on."""
    url = str(tmp_path / "old.db")
    command.upgrade(alembic_config(url), "0009")
    engine = create_engine(f"sqlite:///{url}")
    events = [("e1", "org-a", "o1", "2026-11-25 08:00:02.000000"),
              ("e2", "org-b", "o3", "2026-11-25 08:00:00.000000"),
              ("e3", "org-a", "o2", "2026-11-25 08:00:01.000000"),
              ("e4", "org-a", "o1", "2026-11-25 08:00:01.000000"),  # older than e1: first
              ("e5", "org-a", "o1", "2026-11-25 08:00:03.000000")]
    with engine.begin() as connection:
        for org in ("org-a", "org-b"):
            connection.execute(text(
                "INSERT INTO organizations (id, name, signing_seed, public_key, created_at)"
                " VALUES (:id, :id, 's', 'p', '2026-11-25 08:00:00.000000')"), {"id": org})
        for event_id, org, order, created in events:
            connection.execute(text(
                "INSERT INTO porting_events (id, organization_id, porting_order_id, event_type,"
                " payload, notification_methods, created_at) VALUES (:id, :org, :order,"
                " 'porting_order.new_comment', 'null', '[]', :created)"),
                {"id": event_id, "org": org, "order": order, "created": created})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        numbered = connection.execute(text(
            "SELECT id, sequence, feed_position FROM porting_events ORDER BY seq")).all()
        counters = connection.execute(text(
            "SELECT scope, owner_id, last FROM event_positions ORDER BY scope, owner_id")).all()
    engine.dispose()
    assert [tuple(row) for row in numbered] == [
        ("e1", 2, 1), ("e2", 1, 1), ("e3", 1, 2), ("e4", 1, 3), ("e5", 3, 4)]
    assert [tuple(row) for row in counters] == [
        ("order", "o1", 3), ("order", "o2", 1), ("order", "o3", 1),
        ("organization", "org-a", 4), ("organization", "org-b", 1)]


def test_0026_counts_the_events_already_stored_per_day_and_leaves_event_counts(
        tmp_path: Path) -> None:
    """event_day_counts is filled from the stored events; event_counts keeps its key, so the
    counter upsert of code older than 0026 still works; downgrade drops only the new table."""
    url = str(tmp_path / "old.db")
    command.upgrade(alembic_config(url), "0022")
    engine = create_engine(f"sqlite:///{url}")
    events = [("e1", "t1", "2026-11-25 00:00:00.000000"),
              ("e2", "t1", "2026-11-25 23:59:59.999999"),
              ("e3", "t1", "2026-11-26 00:00:00.000000"),
              ("e4", "t2", "2026-11-25 08:00:00.000000")]
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO organizations (id, name, created_at)"
            " VALUES ('org', 'org', '2026-11-25 08:00:00.000000')"))
        for position, (event_id, event_type, created) in enumerate(events, start=1):
            connection.execute(text(
                "INSERT INTO porting_events (id, organization_id, porting_order_id, event_type,"
                " payload, notification_methods, created_at, sequence, feed_position)"
                " VALUES (:id, 'org', 'o1', :type, 'null', '[]', :created, :n, :n)"),
                {"id": event_id, "type": event_type, "created": created, "n": position})
        connection.execute(text(
            "INSERT INTO event_counts (organization_id, event_type, count)"
            " VALUES ('org', 't1', 3), ('org', 't2', 1)"))
    command.upgrade(alembic_config(url), "head")
    # The upsert of code older than 0026: the key it names is still event_counts' key.
    old_upsert = text(
        "INSERT INTO event_counts (organization_id, event_type, count) VALUES ('org', 't2', 1)"
        " ON CONFLICT (organization_id, event_type) DO UPDATE"
        " SET count = event_counts.count + excluded.count")
    with engine.begin() as connection:
        connection.execute(old_upsert)
    with engine.connect() as connection:
        per_day = connection.execute(text(
            "SELECT event_type, day, count FROM event_day_counts ORDER BY event_type, day")).all()
        per_type = connection.execute(text(
            "SELECT event_type, count FROM event_counts ORDER BY event_type")).all()
    engine.dispose()
    assert [tuple(row) for row in per_day] == [
        ("t1", "2026-11-25", 2), ("t1", "2026-11-26", 1), ("t2", "2026-11-25", 1)]
    assert [tuple(row) for row in per_type] == [("t1", 3), ("t2", 2)]
    command.downgrade(alembic_config(url), "0022")
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert "event_day_counts" not in tables and "event_counts" in tables
