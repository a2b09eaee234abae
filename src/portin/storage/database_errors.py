"""Which exceptions are the database's, and which of them mean it cannot be reached (an outage,
answered 503 and waited out) rather than a bug or bad data. Apart from `storage.db` so that
the CLI, which never asks, does not load psycopg for it on SQLite."""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy.exc import DBAPIError

# The exceptions a database call raises: SQLAlchemy's wrappers, or (on the delivery worker's
# raw connections) the drivers' own.
DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, psycopg.Error, sqlite3.Error)

# PostgreSQL's SQLSTATEs that mean the server cannot serve us: class 08 (connection
# exception), and a server shutting down or starting up.
_UNREACHABLE_SQLSTATES = ("57P01", "57P02", "57P03")
# What SQLite says when its file cannot be opened or read.
_SQLITE_UNREACHABLE = ("unable to open database", "disk i/o error")


def is_unreachable(exc: BaseException) -> bool:
    """Whether `exc` (or an exception it was raised from) says the database cannot be reached
    right now: the server is down or cut off, or SQLite's file cannot be opened. Such an error
    is an outage, answered 503 and waited out; any other database error is a bug or bad data.
    The one place that decides this."""
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _says_unreachable(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _says_unreachable(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or (
            error.orig is not None and _says_unreachable(error.orig))
    if isinstance(error, psycopg.Error):
        if isinstance(error, psycopg.InterfaceError):
            return "closed" in str(error)  # "the connection is closed"
        sqlstate = error.sqlstate
        if sqlstate is None:
            # Raised by the client, not the server: the connection failed or was lost.
            return isinstance(error, psycopg.OperationalError)
        return sqlstate.startswith("08") or sqlstate in _UNREACHABLE_SQLSTATES
    if isinstance(error, sqlite3.OperationalError):
        return str(error).lower().startswith(_SQLITE_UNREACHABLE)
    return False
