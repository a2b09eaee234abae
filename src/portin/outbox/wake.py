"""How workers learn that deliveries were written, instead of waiting for their next poll.

A transaction that writes deliveries calls `wake_at_commit`: it sets a flag in its session
(after that session commits, `Database` calls its wake listeners, the in-process worker) and, on
PostgreSQL, sends `NOTIFY portin_deliveries`, which PostgreSQL delivers at commit (and not at
all on rollback) to every worker that LISTENs (`listen_for_work`). On SQLite, after the commit
`Database` sends a one-byte datagram to a Linux abstract Unix socket named after the database
file (`WakeSender`), on which one worker listens (`bind_listener`). Where nobody listens, or
elsewhere than Linux, the datagram goes nowhere and workers find the work by polling, so a lost
wake-up only costs a poll.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import sys
from collections.abc import Callable

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# Set in a session's `info` by whoever writes deliveries (see `Database._after_commit`).
WAKE_FLAG = "portin.deliveries_written"
# The PostgreSQL channel on which such a commit also tells workers in other processes.
WAKE_CHANNEL = "portin_deliveries"


def wake_at_commit(session: Session) -> None:
    """Deliveries were written in this transaction: wake the workers when it commits (once
    per transaction)."""
    if session.info.get(WAKE_FLAG):
        return
    session.info[WAKE_FLAG] = True
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"NOTIFY {WAKE_CHANNEL}")


# -- SQLite: a datagram after the commit ----------------------------------------------------
def wake_address(sqlalchemy_url: str) -> str | None:
    database = make_url(sqlalchemy_url).database
    if not sys.platform.startswith("linux") or not database or database == ":memory:":
        return None
    digest = hashlib.sha256(os.path.realpath(database).encode()).hexdigest()[:32]
    return f"\0portin-wake-{digest}"


class WakeSender:
    def __init__(self, address: str | None) -> None:
        self._address = address
        self._socket: socket.socket | None = None

    def send(self) -> None:
        if self._address is None:
            return
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._socket.setblocking(False)
            self._socket.sendto(b"\0", self._address)
        except OSError:
            pass  # nobody listening, or its queue is full: either way it will poll

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()


def bind_listener(address: str | None) -> socket.socket | None:
    """The listening socket, or None if there is no address or another worker has it."""
    if address is None:
        return None
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        listener.bind(address)
    except OSError:
        listener.close()
        return None
    listener.setblocking(False)
    return listener


def drain(listener: socket.socket) -> None:
    """Read every datagram waiting (many commits, one wake-up)."""
    try:
        while listener.recv(64):
            pass
    except (BlockingIOError, InterruptedError):
        pass


# -- PostgreSQL: LISTEN -------------------------------------------------------------------
def libpq_url(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(
        hide_password=False)


async def listen_for_work(sqlalchemy_url: str, woken: Callable[[], None],
                          stop: asyncio.Event, retry_seconds: float = 5.0) -> None:
    """Call `woken` for every notification until `stop`; reconnect after a failure. Polling
    goes on beside this, so a lost connection only makes wake-ups slower, never lost.
    While the database is away, one line says so and one when listening again: not a line
    (psycopg's messages span several) every `retry_seconds`."""
    import psycopg  # here: only a worker on PostgreSQL listens, and the CLI need not load it

    failing = False
    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(
                    libpq_url(sqlalchemy_url), autocommit=True) as connection:
                await connection.execute(f"LISTEN {WAKE_CHANNEL}")
                if failing:
                    log.info("listening for new deliveries again")
                    failing = False
                async for _notice in connection.notifies():
                    woken()
                    if stop.is_set():
                        return
        except (psycopg.Error, OSError) as exc:
            if not failing:
                log.warning("listening for new deliveries failed (%s: %s); polling meanwhile"
                            " and trying again every %g s", type(exc).__name__,
                            _first_line(exc), retry_seconds)
                failing = True
            try:
                await asyncio.wait_for(stop.wait(), timeout=retry_seconds)
            except TimeoutError:
                pass


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""
