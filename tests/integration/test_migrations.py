"""The Alembic chain builds exactly the schema the models describe, on both backends."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from portin.storage.db import Database
from portin.storage.migrations import alembic_config
from portin.storage.models import Base


def test_migrated_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


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
