"""Numbers for new events: each order's next sequence (1, 2, 3 ...) and each organization's
next feed position, taken when a transaction's events are inserted (`outbox.pending.write`).

Both come from counter rows (`event_positions`) moved with one upsert
`... SET last = last + n RETURNING last`. The upsert locks a counter's row until the
transaction ends, so:

- two transactions never get the same number, and a rolled-back one gives its numbers back
  (its increment is undone with it): no duplicates, no gaps;
- on PostgreSQL the next transaction of the same organization takes its positions only after
  the holder committed, so positions become visible in the order they were given. A reader
  that has seen position p will never later see a committed position below p: following the
  feed by position misses nothing (an auto-increment id, taken at insert time, gives no such
  promise: a transaction that took 7 may commit after one that took 8).

The cost: an organization's writers of events take turns from their first event insert to
their commit. That window is short because events are inserted just before commit (see
`outbox/pending.py`). On SQLite writers take turns anyway (BEGIN IMMEDIATE).

Counters are locked in one order (organizations, then orders, each sorted), and every
transaction that holds an order's counter holds its organization's, so transactions of one
organization cannot deadlock on them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from sqlalchemy import Connection, Insert, Table, bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portin.storage.models import EventPosition

ORGANIZATION = "organization"
ORDER = "order"

_counters = cast(Table, EventPosition.__table__)


def _take(dialect_insert: Any) -> Insert:
    statement = dialect_insert(_counters).values(
        scope=bindparam("scope"), owner_id=bindparam("owner_id"), last=bindparam("taken"))
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[_counters.c.scope, _counters.c.owner_id],
        set_={"last": _counters.c.last + statement.excluded["last"]},
    ).returning(_counters.c.scope, _counters.c.owner_id, _counters.c.last)


# Built once: running a cached statement costs far less than building one.
_TAKE = {"postgresql": _take(postgresql_insert), "sqlite": _take(sqlite_insert)}


def assign(connection: Connection, events: list[dict[str, Any]]) -> None:
    """Set `sequence` and `feed_position` on each event row, in the rows' order."""
    wanted = [(ORGANIZATION, owner, n) for owner, n in sorted(
        Counter(str(row["organization_id"]) for row in events).items())]
    wanted += [(ORDER, owner, n) for owner, n in sorted(
        Counter(str(row["porting_order_id"]) for row in events).items())]
    # One statement (the rows are locked in the order given); each row comes back with its key.
    last = {(scope, owner): number for scope, owner, number in connection.execute(
        _TAKE[connection.dialect.name],
        [{"scope": scope, "owner_id": owner, "taken": n} for scope, owner, n in wanted])}
    # The first number each counter gives this transaction.
    following = {(scope, owner): last[scope, owner] - n + 1 for scope, owner, n in wanted}
    for row in events:
        row["feed_position"] = _next(following, ORGANIZATION, str(row["organization_id"]))
        row["sequence"] = _next(following, ORDER, str(row["porting_order_id"]))


def _next(following: dict[tuple[str, str], int], scope: str, owner: str) -> int:
    number = following[scope, owner]
    following[scope, owner] = number + 1
    return number
