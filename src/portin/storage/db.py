"""The database handle: one engine, and sessions that own one transaction each.

Only the edge (an HTTP handler, a scheduler tick, a CLI command) opens a transaction, with
`db.writing()` or `db.reading()`; everything below it takes the session and only flushes.

On SQLite a write transaction starts with BEGIN IMMEDIATE (see `_sqlite_begin_immediate`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from portin.config import sqlalchemy_url
from portin.domain.errors import PortinError
from portin.outbox import pending
from portin.outbox.wake import WAKE_FLAG, WakeSender, wake_address


class WriteLockBusy(Exception):
    """SQLite's write lock is held by another process and the caller asked not to wait."""


class Database:
    def __init__(self, database_url: str) -> None:
        self.url = sqlalchemy_url(database_url)
        self.is_sqlite = self.url.startswith("sqlite")
        # The SQL dialect of the driver connections (`driver_reading`, `driver_writing`).
        self.dialect_name = "sqlite" if self.is_sqlite else "postgresql"
        self.engine = _make_engine(self.url)
        # On SQLite, writes get connections of their own, which take the write lock when
        # they begin (see _sqlite_begin_immediate).
        self._write_engine = _make_engine(self.url, writes=True) if self.is_sqlite else self.engine
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        # On PostgreSQL a read is a READ ONLY transaction (see `reading`).
        self._read = sessionmaker(
            self.engine if self.is_sqlite
            else self.engine.execution_options(postgresql_readonly=True),
            expire_on_commit=False)
        # Events and deliveries are inserted in bulk at commit (see outbox/pending.py).
        pending.attach(self._write)
        pending.attach(self._read)
        self.wake_listeners: list[Callable[[], None]] = []
        self.wake_address = wake_address(self.url) if self.is_sqlite else None
        self._wake_other_processes = WakeSender(self.wake_address)
        self._write_lock = threading.Lock()
        event.listen(self._write, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(WAKE_FLAG, False):
            for listener in list(self.wake_listeners):
                listener()
            # PostgreSQL's workers are told by NOTIFY, in the transaction (see outbox).
            self._wake_other_processes.send()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A read-write transaction: committed when the block ends, rolled back on error."""
        with self._one_writer(), self._write() as session, session.begin():
            yield session

    @contextmanager
    def _one_writer(self) -> Iterator[None]:
        """On SQLite, writers of this process queue on a lock: a queue hands the lock over at
        once, where waiting for SQLite's file lock would nap."""
        if not self.is_sqlite:
            yield
            return
        with self._write_lock:
            yield

    def session(self) -> Session:
        """A read-write session whose transactions the caller begins and ends; `writing()` is
        the usual way."""
        return self._write()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction; loaded objects stay readable after it.

        On PostgreSQL it is declared READ ONLY (a write in it fails) and ends in a commit, also
        when the block answers with one of portin's errors (a 404): psycopg forgets every
        statement it has prepared on a connection when a transaction there rolls back, so a
        rollback would have every later statement on that connection (the API's, the worker's
        claim) parsed and planned anew. On SQLite, and when anything else is raised (a
        database error: the transaction cannot commit), closing the session rolls it back."""
        with self._read() as session:
            try:
                yield session
            except PortinError:
                if not self.is_sqlite:
                    session.commit()
                raise
            if not self.is_sqlite:
                session.commit()

    @contextmanager
    def driver_writing(self, wait: bool = True) -> Iterator[Any]:
        """A read-write transaction on the driver's own connection (sqlite3 or psycopg), for
        the delivery worker's statements (`outbox.queue`): committed when the block
        ends, rolled back on error.

        wait=False (SQLite): raise WriteLockBusy at once if another process holds the lock. The
        delivery worker asks so, and goes on sending while the lock is taken. Writers of this
        process still queue (briefly) for their turn: skipping the queue could starve."""
        with self._one_writer():
            connection = self._write_engine.raw_connection()
            try:
                if self.is_sqlite:
                    _take_write_lock(lambda: connection.execute("BEGIN IMMEDIATE"), wait)
                yield connection
                connection.commit()
            except BaseException:
                _roll_back_or_invalidate(connection)
                raise
            finally:
                connection.close()  # back to the pool

    @contextmanager
    def driver_reading(self) -> Iterator[Any]:
        """The driver's own connection, for one quick read (autocommit on SQLite).

        The read's transaction ends in a commit, not a rollback, also when the block answers
        with one of portin's errors (the API's lookup of a bad key does): psycopg forgets every
        statement it has prepared on a connection when a transaction there rolls back, so the
        worker's claim, read after such a look, was planned anew every time (3 ms a claim with
        the partitions). The caller only reads (the transaction is not declared READ ONLY)."""
        connection = self.engine.raw_connection()
        try:
            try:
                yield connection
            except PortinError:
                connection.commit()
                raise
            connection.commit()
        except BaseException:
            # Nothing to roll back after a commit; a connection lost on the way (the commit
            # itself may fail in an outage) is invalidated here, where the pool's own reset
            # would log a traceback for it.
            _roll_back_or_invalidate(connection)
            raise
        finally:
            connection.close()  # back to the pool

    def dispose(self) -> None:
        self._wake_other_processes.close()
        self.engine.dispose()
        if self._write_engine is not self.engine:
            self._write_engine.dispose()


def _roll_back_or_invalidate(connection: Any) -> None:
    """End a driver connection's failed transaction. If the connection itself failed (the
    server went away), the pool must not hand it out again."""
    try:
        connection.rollback()
    except Exception:
        connection.invalidate()


# One encoder for every call: json.dumps with options builds a new one each time.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def compact_json(value: Any) -> str:
    """How JSON columns are stored: compact, so a stored event payload is byte for byte what a
    webhook body embeds."""
    return _COMPACT.encode(value)


def _make_engine(url: str, writes: bool = False) -> Engine:
    # Pools as large as the threads that serve requests (anyio's 40), so that connections are
    # kept rather than opened and closed again under load; SQLite opens them lazily.
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True,
                             json_serializer=compact_json)
    database = make_url(url).database
    if database and database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_size=40, max_overflow=10, json_serializer=compact_json)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # A writer waits for the lock in _sqlite_begin_immediate, not in SQLite's busy
        # handler; after BEGIN IMMEDIATE, a write in WAL mode is not kept waiting.
        cursor.execute(f"PRAGMA busy_timeout={0 if writes else 30000}")
        cursor.close()

    if writes:
        event.listen(engine, "begin", _sqlite_begin_immediate)
    else:
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
    return engine


def _sqlite_begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE on SQLAlchemy's connections, waiting for the lock (see
    `_take_write_lock`)."""
    _take_write_lock(lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"), wait=True)


def _take_write_lock(begin_immediate: Callable[[], object], wait: bool) -> None:
    """BEGIN IMMEDIATE: take the write lock now, so two writers queue here instead of one
    failing half-way when it upgrades a read lock. Another process holding the lock is waited
    for in short naps (SQLite's own busy handler naps up to 100 ms at a time), up to 30 s;
    unless the caller asked not to wait (WriteLockBusy)."""
    nap = 0.0002
    deadline = time.monotonic() + 30
    while True:
        try:
            begin_immediate()
            return
        except (OperationalError, sqlite3.OperationalError) as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            if not wait:
                raise WriteLockBusy from exc
        time.sleep(nap)
        nap = min(nap * 2, 0.002)
