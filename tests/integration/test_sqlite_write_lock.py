"""SQLite's write lock, held by another process: the worker's transactions can refuse to wait
(and go on sending), every other writer waits its turn."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from portin.storage.db import Database, WriteLockBusy


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Database:
    path = tmp_path / "portin.db"
    shutil.copy(sqlite_template, path)
    return Database(str(path))


def hold_write_lock(path: str) -> sqlite3.Connection:
    """Another process's writer, in effect: its own connection in the middle of a write."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_writer_that_will_not_wait_is_refused_at_once(sqlite_db: Database) -> None:
    database = sqlite_db.engine.url.database
    assert database is not None
    other = hold_write_lock(database)
    started = time.monotonic()
    with pytest.raises(WriteLockBusy), sqlite_db.driver_writing(wait=False):
        pass
    assert time.monotonic() - started < 0.5
    other.rollback()
    with sqlite_db.driver_writing(wait=False) as connection:
        connection.execute("UPDATE event_counts SET count = count")
    other.close()
    sqlite_db.dispose()


def test_other_writers_wait_for_the_lock_and_then_write(sqlite_db: Database) -> None:
    database = sqlite_db.engine.url.database
    assert database is not None
    other = hold_write_lock(database)
    release = threading.Timer(0.3, other.commit)
    release.start()
    started = time.monotonic()
    with sqlite_db.writing() as session:
        session.execute(text("UPDATE event_counts SET count = count"))
    assert time.monotonic() - started >= 0.25
    release.join()
    other.close()
    sqlite_db.dispose()
