"""GET /readyz on both databases: 200 when the schema is at this package's head revision, 503
in the error format, saying which revision it found, when it is behind, ahead or missing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from portin.api.app import create_app
from portin.config import Settings
from portin.storage import migrations
from portin.storage.db import Database
from tests.conftest import POSTGRES_URL


def readyz(database_url: str) -> tuple[int, dict[str, object]]:
    with TestClient(create_app(Settings(database_url=database_url)),
                    raise_server_exceptions=False) as client:
        response = client.get("/readyz")
    return response.status_code, response.json()


def detail(body: dict[str, object]) -> str:
    (error,) = body["errors"]  # type: ignore[misc]
    assert error["code"] == "10007" and error["title"] == "Service unavailable"
    return str(error["detail"])


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, not yet migrated."""
    if request.param == "sqlite":
        yield str(tmp_path / "readiness.db")
        return
    name = f"portin_readiness_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES_URL.rpartition('/')[0]}/{name}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_ready_when_the_migrations_are_current(database_url: str) -> None:
    assert readyz(database_url) == (
        200, {"status": "ok", "database": "ok", "migrations": "current"})


def test_not_ready_on_an_older_revision_then_ready_once_migrated(empty_url: str) -> None:
    scripts = migrations.scripts()
    head = scripts.get_current_head()
    assert head is not None
    older = scripts.get_revision(head).down_revision  # the chain is not in numeric order
    assert isinstance(older, str)
    migrations.upgrade(empty_url, older)
    status, body = readyz(empty_url)
    assert status == 503
    assert detail(body) == (f"The database schema is at revision {older}; this portin needs"
                            f" {head}. Run `portin migrate`.")
    migrations.upgrade(empty_url)
    assert readyz(empty_url)[0] == 200


def test_not_ready_before_any_migration(empty_url: str) -> None:
    Database(empty_url).dispose()  # SQLite: the file exists, with no tables
    status, body = readyz(empty_url)
    assert status == 503
    assert "has no portin schema; run `portin migrate`" in detail(body)


def test_not_ready_when_a_newer_portin_has_migrated_the_database(empty_url: str) -> None:
    migrations.upgrade(empty_url)  # its own database: the shared one must stay at the head
    db = Database(empty_url)
    with db.writing() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.dispose()
    status, body = readyz(empty_url)
    assert status == 503
    assert "at revision 9999, which this portin does not know" in detail(body)
