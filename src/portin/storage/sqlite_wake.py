"""SQLite's answer to PostgreSQL's NOTIFY: after a commit that wrote deliveries, a one-byte
datagram tells the worker process of the same database file to claim them now, instead of at
its next poll.

The address is a Linux abstract Unix socket named after the database file (nothing on disk to
clean up). One worker listens on it; where none does, or elsewhere than Linux, the datagram
goes nowhere and workers find the work by polling, so a lost wake-up only costs a poll.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys

from sqlalchemy.engine import make_url


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
