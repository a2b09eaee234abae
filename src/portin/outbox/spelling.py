"""What SQLite and PostgreSQL spell differently in the outbox's statements, and how values
go to and come from each driver in the forms SQLAlchemy stores (so both paths read the same:
`tests/integration/test_delivery_store.py`)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portin.storage.db import compact_json


@dataclass(frozen=True)
class Spelling:
    name: str
    # A list parameter as a row source: `x IN (ids("chosen"))`.
    ids: Callable[[str], str]
    # A JSON parameter, and a JSON column read as its text.
    json: Callable[[str], str]
    text: Callable[[str], str]
    # Row locks: a claim skips rows another worker holds; health rows are waited for. SQLite
    # needs neither: its write transaction is exclusive.
    skip_locked: str
    for_update: str
    # The statements are written with :name parameters (sqlite3's own style).
    parameters: Callable[[str], str]
    # A time as the driver should bind it, and back (stored as naive UTC on both).
    to_db: Callable[[datetime], Any]
    from_db: Callable[[Any], datetime]
    # A list parameter's value, in the form `ids` unpacks.
    id_list: Callable[[list[str]], Any]
    # A cursor whose rows are read by column name (row["id"]): the driver's own row type.
    named_cursor: Callable[[Any], Any]
    # Run before a claim's first statement, in its transaction.
    before_claim: str | None = None
    # Run right after the claim's window of candidates is read: undoes what `before_claim`
    # set for that statement alone.
    after_window: str | None = None
    # A WITH clause may hold an UPDATE (PostgreSQL): a claim's lease then reads its events in
    # the same statement (`queries.WRITING_CTES`).
    writing_ctes: bool = False
    # A subquery in FROM may be LATERAL (PostgreSQL): a claim's look past its window reads each
    # destination's oldest due in the same statement (`queries.LATERAL_JOINS`).
    lateral_joins: bool = False


def _sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DATETIME stores (see storage.types), so times compare
    right: "2026-11-25 08:41:49.991842", the UTC time without its "+00:00"."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _sqlite_time_back(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _aware_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _sqlite_named_cursor(connection: Any) -> Any:
    cursor = connection.cursor()
    cursor.row_factory = sqlite3.Row  # by name or position, in C
    return cursor


def _postgresql_named_cursor(connection: Any) -> Any:
    from psycopg.rows import dict_row  # here: a connection to PostgreSQL has loaded psycopg

    return connection.cursor(row_factory=dict_row)


_NAMED = re.compile(r"(?<!:):(\w+)")  # :name, not a :: cast


SQLITE = Spelling(
    name="sqlite",
    ids=lambda name: f"SELECT value FROM json_each(:{name})",  # a JSON array, unpacked
    json=lambda name: f":{name}", text=lambda column: column,  # stored as text already
    skip_locked="", for_update="", parameters=lambda sql: sql,
    to_db=_sqlite_time, from_db=_sqlite_time_back, id_list=compact_json,
    named_cursor=_sqlite_named_cursor)

POSTGRESQL = Spelling(
    name="postgresql",
    ids=lambda name: f"SELECT unnest(CAST(:{name} AS text[]))",
    json=lambda name: f"CAST(:{name} AS json)", text=lambda column: f"CAST({column} AS text)",
    skip_locked="FOR UPDATE SKIP LOCKED", for_update="FOR UPDATE",
    parameters=lambda sql: _NAMED.sub(r"%(\1)s", sql),  # psycopg's %(name)s
    to_db=_naive_utc, from_db=_aware_utc, id_list=list,
    named_cursor=_postgresql_named_cursor,
    # PostgreSQL keeps the index entries of deliveries already sent until a vacuum: a bitmap
    # scan (which the planner picks on a queue table's stale statistics) reads every one of
    # them on every claim, 7 ms per claim after 10,000 deliveries here. An index scan in due
    # order stops at the first rows it can take and marks the dead entries it passes, so the
    # next claim skips them: 0.2 ms.
    # And no sort for the window: on partitions (storage/partitions.py) the window in due order
    # is a merge of each partition's index scan, which stops at the window's size. A queue
    # table's statistics say it holds few due rows (it was near empty when analyzed, or it
    # never was), so the planner would rather sort all due rows and keep the first: every due
    # row read at every claim, 12 ms a claim at 3,000 due against 3 ms
    # (bench/results-delivery-postgresql.txt). Sorts are on again for the rest of the claim:
    # the look past the window must sort what it found, and without sorts the planner chose a
    # plan that took 6.9 s at 1,000 due to one destination, against 0.16 s.
    # set_config(..., true) is SET LOCAL: for the claim's transaction only. (A statement that
    # psycopg has prepared keeps the plan made under them: the claim's run only in claims.)
    before_claim=("SELECT set_config('enable_bitmapscan', 'off', true),"
                  " set_config('enable_sort', 'off', true)"),
    after_window="SELECT set_config('enable_sort', 'on', true)",
    writing_ctes=True,
    lateral_joins=True)

SPELLINGS = {"sqlite": SQLITE, "postgresql": POSTGRESQL}
