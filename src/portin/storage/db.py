"""The database handle: one engine, and sessions that own one transaction each.

Only the edge (an HTTP handler, a scheduler tick, a CLI command) opens a transaction, with
`db.writing()` or `db.reading()`; everything below it takes the session and only flushes.

On SQLite a write transaction starts with BEGIN IMMEDIATE, so two writers queue on the busy
timeout instead of one failing half-way when it upgrades a read lock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from portin.config import sqlalchemy_url

# Set in a session's `info` by whoever writes deliveries; after that session commits, the
# database calls its wake listeners (the in-process delivery worker), so a new delivery is
# sent at once rather than at the worker's next poll.
WAKE_FLAG = "portin.deliveries_written"
# The PostgreSQL channel on which such a commit also tells workers in other processes.
WAKE_CHANNEL = "portin_deliveries"


class Database:
    def __init__(self, database_url: str) -> None:
        self.url = sqlalchemy_url(database_url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.engine = _make_engine(self.url)
        write_engine: Engine = self.engine
        if self.is_sqlite:
            write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write_engine = write_engine
        self._write = sessionmaker(write_engine, expire_on_commit=False)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self.wake_listeners: list[Callable[[], None]] = []
        self._write_lock = threading.Lock()
        event.listen(self._write, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(WAKE_FLAG, False):
            for listener in list(self.wake_listeners):
                listener()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A read-write transaction: committed when the block ends, rolled back on error."""
        with self._one_writer(), self._write() as session, session.begin():
            yield session

    @contextmanager
    def _one_writer(self) -> Iterator[None]:
        """On SQLite, writers of this process queue on a lock. Left to SQLite, a writer that
        finds the file locked sleeps in its busy handler (up to 100 ms a nap) and wakes late;
        a queue hands the lock over at once. Other processes still meet the busy timeout."""
        if not self.is_sqlite:
            yield
            return
        with self._write_lock:
            yield

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction. Closing the session rolls its transaction back (nothing it
        did is kept) and leaves loaded objects readable."""
        with self._read() as session:
            yield session

    @contextmanager
    def writing_core(self) -> Iterator[Connection]:
        """A read-write transaction on a bare connection, for hot paths (the delivery worker)
        where an ORM session's bookkeeping would cost more than the SQL."""
        with self._one_writer(), self._write_engine.begin() as connection:
            yield connection

    @contextmanager
    def reading_core(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def compact_json(value: Any) -> str:
    """How JSON columns are stored: compact, so a stored event payload is byte for byte what a
    webhook body embeds."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                             json_serializer=compact_json)
    database = make_url(url).database
    if database and database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           json_serializer=compact_json)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
