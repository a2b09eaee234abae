"""The partitions' part of a retention pass (PostgreSQL only; storage/partitions.py): the
current month and the next MONTHS_AHEAD get their partitions, and a whole month whose
deliveries all finished before the retention's cut-off is dropped instead of deleted row by
row. Each month is its own short transaction; one that cannot have its locks within the
lock timeout is left for the next pass. What stays (DEFAULT, the months still in use) is
pruned in batches by services/retention.py as before. On SQLite this does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from portin.storage import partitions as store
from portin.storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class PartitionPass:
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    # Deliveries moved out of DEFAULT into a month created late.
    moved: int = 0
    # Months left for the next pass: their locks were not had within the lock timeout.
    busy: list[str] = field(default_factory=list)


def keep_partitions(db: Database, now: datetime, delivery_days: int) -> PartitionPass:
    result = PartitionPass()
    if db.is_sqlite:
        return result
    with db.reading() as session:
        connection = session.connection()
        if not store.partitioned(connection):
            return result
        existing = set(store.months(connection))
    current = store.Month.of(now)
    for month in (current.next(n) for n in range(store.MONTHS_AHEAD + 1)):
        if month in existing:
            continue
        try:
            with db.writing() as session:
                moved = store.add_month(session.connection(), month)
            if moved is not None:
                result.created.append(month.suffix)
                result.moved += moved
        except DBAPIError as exc:
            if not store.is_lock_timeout(exc):
                raise
            result.busy.append(month.suffix)
    cutoff = now - timedelta(days=delivery_days)
    for month in sorted(existing):
        # Every row of the month was made before its end, and finished no sooner.
        if month.next().start() > cutoff:
            break
        with db.reading() as session:
            if store.holds_work(session.connection(), month, cutoff):
                continue  # the common case while a month is young: no lock taken
        try:
            with db.writing() as session:
                if store.drop_month(session.connection(), month, cutoff):
                    result.dropped.append(month.suffix)
        except DBAPIError as exc:
            if not store.is_lock_timeout(exc):
                raise
            result.busy.append(month.suffix)
    if result.busy:
        log.info("partitions of %s left for the next pass: their locks were busy",
                 ", ".join(result.busy))
    return result
