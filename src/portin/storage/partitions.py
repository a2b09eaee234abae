"""PostgreSQL's monthly partitions of `deliveries` and `delivery_attempts` (migration 0022).

`deliveries` is partitioned by RANGE (id) and `delivery_attempts` by RANGE (delivery_id), with
the same bounds: the lowest version 7 id text of each month's first millisecond
(`domain.ids.lowest_id_at`), so a month's attempts sit beside its deliveries. Each table has a
DEFAULT partition for every id outside the months: legacy (version 4, random) ids, whose text
almost never falls inside a month's range, and anything written while its month was missing.

An attempt's foreign key to its delivery is declared per pair of partitions
(`delivery_attempts_y2026m12` -> `deliveries_y2026m12`, the defaults likewise), not on the
parents: a key declared on the parents makes PostgreSQL prove, while it holds ACCESS
EXCLUSIVE on `deliveries`, that no attempt anywhere refers to a month being detached (a join
over all the attempts), where a pair's own key goes with the pair.

Everything here runs in the caller's transaction and sets `lock_timeout` for it: a statement
that cannot have its lock within LOCK_TIMEOUT fails (`is_lock_timeout`), the transaction rolls
back, and the scheduler tries again on its next pass. Locks are taken parents first, then
partitions, `deliveries` before `delivery_attempts`: the order the worker's statements take
them in, so the two cannot deadlock. SQLite has no partitions: `partitioned()` says False.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from portin.domain.ids import lowest_id_at

LOCK_TIMEOUT = "1s"
# Months created ahead of the current one, so ids of the near future never land in DEFAULT.
MONTHS_AHEAD = 2
# The deliveries' room for a lease's new row version (migration 0021): a partitioned table
# takes no storage parameters, each partition does.
FILLFACTOR = 50
# Autovacuum as a queue needs it, per partition (migration 0025 set it on those it found).
# PostgreSQL's default waits until a fifth of a table has changed (scale factor 0.2): 2M rows
# of a 10M-row month, so it hardly ever came, while every delivery that left 'pending' kept
# its entry in the partial index the claim scans in due order (ix_deliveries_pending_due)
# until a vacuum. A fixed 20,000 changed rows instead (about one dead row a delivery): the
# claim steps over at most ~60 pages of stale entries (10,000 filled 29; 30,000 cost a claim
# 0.76 ms where 0.41 after VACUUM: bench/results-growth.txt), and each vacuum, which reads
# every index of the partition, is spread over at least 20,000 changes. The same count of
# inserts starts one too (the visibility map of a month's new rows, whatever its size).
# Index cleanup always: the default (auto) skips the indexes when under 2% of the heap's
# pages have dead rows, which is what left the pending index's stale entries there.
# The attempts are only inserted and, by retention, deleted: the same fixed counts (the
# room of deleted rows is reused soon, new rows get their visibility map), but index cleanup
# left to auto: no claim scans their indexes, and auto spares a vacuum of a few dead rows
# the full read of them.
_VACUUM_COUNTS = {
    "autovacuum_vacuum_scale_factor": "0",
    "autovacuum_vacuum_threshold": "20000",
    "autovacuum_vacuum_insert_scale_factor": "0",
    "autovacuum_vacuum_insert_threshold": "20000",
}
AUTOVACUUM: dict[str, dict[str, str]] = {
    "deliveries": {**_VACUUM_COUNTS, "vacuum_index_cleanup": "on"},
    "delivery_attempts": dict(_VACUUM_COUNTS),
}
_NAME = re.compile(r"^(deliveries|delivery_attempts)_(y(\d{4})m(\d{2})|default)$")
# Unfinished: what retention never deletes. The statuses a delivery has are these two and
# the finished ones (delivered, failed); each is found through a partial index.
_HOLDS_WORK = (
    "SELECT EXISTS (SELECT 1 FROM {t} WHERE status = 'pending')"
    " OR EXISTS (SELECT 1 FROM {t} WHERE status = 'paused')"
    " OR EXISTS (SELECT 1 FROM {t} WHERE status IN ('delivered', 'failed')"
    " AND finished_at >= :cutoff)"
    " OR EXISTS (SELECT 1 FROM {t} WHERE status IN ('delivered', 'failed')"
    " AND finished_at IS NULL)")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: datetime) -> Month:
        moment = moment.astimezone(UTC) if moment.tzinfo else moment
        return cls(moment.year, moment.month)

    def next(self, months: int = 1) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def suffix(self) -> str:
        return f"y{self.year:04d}m{self.month:02d}"

    @property
    def lower(self) -> str:
        return lowest_id_at(self.start())

    @property
    def upper(self) -> str:
        return lowest_id_at(self.next().start())


def is_partition_name(name: str | None) -> bool:
    return name is not None and _NAME.match(name) is not None


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's `include_name`: the partitions are not in the models (they come and go with
    the months); their parents are, and are compared."""
    return not (type_ == "table" and is_partition_name(name))


def is_lock_timeout(exc: BaseException) -> bool:
    """A statement gave up waiting for its lock (lock_timeout, SQLSTATE 55P03)."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    return getattr(original, "sqlstate", None) == "55P03"


def partitioned(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table"
        " WHERE partrelid = to_regclass('deliveries'))")).scalar())


def months(connection: Connection) -> list[Month]:
    """The months `deliveries` has a partition for, oldest first."""
    names = connection.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass('deliveries')")).scalars()
    found = []
    for name in names:
        match = _NAME.match(name)
        if match and match.group(3):
            found.append(Month(int(match.group(3)), int(match.group(4))))
    return sorted(found)


def pair_key_sql(suffix: str) -> str:
    """The foreign key of a pair of partitions: an attempt's delivery is in its twin."""
    return (f"ALTER TABLE delivery_attempts_{suffix}"
            f" ADD CONSTRAINT delivery_attempts_{suffix}_delivery_id_fkey"
            f" FOREIGN KEY (delivery_id) REFERENCES deliveries_{suffix} (id)")


def partition_of_sql(month: Month | None, parents: str = "") -> list[str]:
    """A month's (or, for None, the default) pair of partitions created directly as
    partitions of the parents (named with `parents` after them): for migration 0022, which
    runs alone; the pair's key is added after the rows. With the fillfactor only, as 0022
    made them: 0025, after it, sets the autovacuum parameters."""
    if month is None:
        suffix, bounds = "default", "DEFAULT"
    else:
        suffix, bounds = month.suffix, f"FOR VALUES FROM ('{month.lower}') TO ('{month.upper}')"
    return [f"CREATE TABLE deliveries_{suffix} PARTITION OF deliveries{parents} {bounds}"
            f" WITH (fillfactor = {FILLFACTOR})",
            f"CREATE TABLE delivery_attempts_{suffix}"
            f" PARTITION OF delivery_attempts{parents} {bounds}"]


def storage_parameters(table: str) -> str:
    """The WITH (...) of a new partition of `table` ("deliveries", "delivery_attempts")."""
    parameters = {"fillfactor": str(FILLFACTOR)} if table == "deliveries" else {}
    parameters.update(AUTOVACUUM[table])
    return "WITH (" + ", ".join(f"{name} = {value}" for name, value in parameters.items()) + ")"


def _exists(connection: Connection, table: str) -> bool:
    return connection.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is not None


def add_month(connection: Connection, month: Month) -> int | None:
    """Create `month`'s pair of partitions and attach them; the month's rows waiting in the
    DEFAULT partitions (written while it was missing) are moved into them first. Returns how
    many deliveries were moved; None if another scheduler made the month first.

    The tables are made apart and then attached: ATTACH takes SHARE UPDATE EXCLUSIVE on the
    parent (reads and writes go on) where CREATE TABLE ... PARTITION OF takes ACCESS
    EXCLUSIVE. Both take ACCESS EXCLUSIVE on the DEFAULT partitions, which the claim reads
    (its index of pending deliveries spans every partition), for as long as the move and
    ATTACH's check that DEFAULT holds no row of the month take: a scan of DEFAULT, which holds
    only legacy ids and what was written outside the months."""
    s, bounds = month.suffix, {"lo": month.lower, "hi": month.upper}
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    connection.execute(text("LOCK TABLE ONLY deliveries, delivery_attempts"
                            " IN SHARE UPDATE EXCLUSIVE MODE"))
    connection.execute(text("LOCK TABLE deliveries_default, delivery_attempts_default"
                            " IN ACCESS EXCLUSIVE MODE"))
    if _exists(connection, f"deliveries_{s}"):
        return None
    connection.execute(text(
        f"CREATE TABLE deliveries_{s} (LIKE deliveries INCLUDING DEFAULTS"
        f" INCLUDING CONSTRAINTS) {storage_parameters('deliveries')}"))
    connection.execute(text(
        f"CREATE TABLE delivery_attempts_{s} (LIKE delivery_attempts INCLUDING DEFAULTS"
        f" INCLUDING CONSTRAINTS) {storage_parameters('delivery_attempts')}"))
    # Attempts first: the defaults' own key points from attempts to deliveries.
    connection.execute(text(
        "WITH moved AS (DELETE FROM delivery_attempts_default"
        " WHERE delivery_id >= :lo AND delivery_id < :hi RETURNING *)"
        f" INSERT INTO delivery_attempts_{s} SELECT * FROM moved"), bounds)
    moved = connection.execute(text(
        "WITH moved AS (DELETE FROM deliveries_default WHERE id >= :lo AND id < :hi"
        f" RETURNING *) INSERT INTO deliveries_{s} SELECT * FROM moved"), bounds).rowcount
    values = f"FOR VALUES FROM ('{month.lower}') TO ('{month.upper}')"
    connection.execute(text(f"ALTER TABLE deliveries ATTACH PARTITION deliveries_{s} {values}"))
    connection.execute(text(
        f"ALTER TABLE delivery_attempts ATTACH PARTITION delivery_attempts_{s} {values}"))
    connection.execute(text(pair_key_sql(s)))
    return int(moved)


def holds_work(connection: Connection, month: Month, cutoff: datetime) -> bool:
    """Whether `month`'s deliveries partition has a row retention would keep: unfinished, or
    finished at or after `cutoff` (or with no finish time). Index probes only. False for a
    month that has no partition (any more)."""
    if not _exists(connection, f"deliveries_{month.suffix}"):
        return False
    return bool(connection.execute(
        text(_HOLDS_WORK.format(t=f"deliveries_{month.suffix}")),
        {"cutoff": cutoff.astimezone(UTC).replace(tzinfo=None)}).scalar())


def drop_month(connection: Connection, month: Month, cutoff: datetime) -> bool:
    """Detach and drop `month`'s pair of partitions, attempts first, if (checked again under
    the lock) every delivery in it finished before `cutoff`; False if one did not.

    DETACH takes ACCESS EXCLUSIVE on the parents: claims and new deliveries wait for this
    transaction, which runs only index probes and catalogue changes while it holds them.
    (DETACH ... CONCURRENTLY is refused while a DEFAULT partition exists.)"""
    s = month.suffix
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    connection.execute(text("LOCK TABLE ONLY deliveries, delivery_attempts"
                            " IN ACCESS EXCLUSIVE MODE"))
    # Gone already (another scheduler's pass), or a delivery sent again meanwhile.
    if not _exists(connection, f"deliveries_{s}") or holds_work(connection, month, cutoff):
        return False
    connection.execute(text(f"ALTER TABLE delivery_attempts DETACH PARTITION"
                            f" delivery_attempts_{s}"))
    connection.execute(text(f"ALTER TABLE deliveries DETACH PARTITION deliveries_{s}"))
    connection.execute(text(f"DROP TABLE delivery_attempts_{s}"))
    connection.execute(text(f"DROP TABLE deliveries_{s}"))
    return True
