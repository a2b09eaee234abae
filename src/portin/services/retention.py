"""One retention pass: old finished deliveries (with their attempts) and, when an event
retention is set, old events are deleted in small batches, each in its own short transaction
with a pause between, until nothing is older than the cut-off or the pass's budget is spent.

Events go oldest key first, and an event with a delivery still on its way (pending or paused)
is kept, whatever its age. An event's finished deliveries go with it (they name it). The
per-organization event counts are lowered in the same transaction, so the totals the API shows
stay true; the position counters (storage/event_positions.py) are left alone, so a position is
never given twice and a feed reader's cursor stays valid (it just finds fewer old events).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from portin.storage import retention as store
from portin.storage.db import Database

BATCH = 1000
PAUSE_SECONDS = 0.05
# Long enough to clear a day's backlog in a few passes; short enough that the scheduler's
# other jobs (draft expiry every few seconds) are not held up.
BUDGET_SECONDS = 2.0


@dataclass
class Pruned:
    deliveries: int = 0
    attempts: int = 0
    events: int = 0
    batches: int = 0
    longest_batch_seconds: float = 0.0
    # True when the budget ran out before everything old was gone: run again soon.
    more_left: bool = False


def prune(db: Database, now: datetime, delivery_days: int, event_days: int | None,
          batch: int = BATCH, pause_seconds: float = PAUSE_SECONDS,
          budget_seconds: float = BUDGET_SECONDS) -> Pruned:
    result = Pruned()
    deadline = time.monotonic() + budget_seconds
    delivery_cutoff = now - timedelta(days=delivery_days)

    def over_budget() -> bool:
        if time.monotonic() >= deadline:
            result.more_left = True
            return True
        time.sleep(pause_seconds)
        return False

    while True:
        started = time.monotonic()
        with db.writing() as session:
            ids = store.old_finished_deliveries(session, delivery_cutoff, batch)
            deliveries, attempts = store.delete_deliveries(session, ids)
        _timed(result, started)
        result.deliveries += deliveries
        result.attempts += attempts
        if len(ids) < batch or over_budget():
            break
    if event_days is None or result.more_left:
        return result
    event_cutoff = now - timedelta(days=event_days)
    after = 0
    while True:
        started = time.monotonic()
        with db.writing() as session:
            rows = store.next_events(session, after, batch)
            # Only the run of old events at the start: the key follows time, so the first
            # young event means the rest are young too.
            old = []
            for seq, event_id, created_at in rows:
                if created_at >= event_cutoff:
                    break
                old.append(event_id)
                after = seq
            kept = store.events_with_unfinished_deliveries(session, old)
            events, deliveries, attempts = store.delete_events(
                session, [e for e in old if e not in kept])
        _timed(result, started)
        result.events += events
        result.deliveries += deliveries
        result.attempts += attempts
        if len(old) < batch or over_budget():
            break
    return result


def _timed(result: Pruned, started: float) -> None:
    result.batches += 1
    result.longest_batch_seconds = max(result.longest_batch_seconds,
                                       time.monotonic() - started)
