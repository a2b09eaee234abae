"""Run the real delivery worker for a test, on a thread and loop of its own in the test's process
(`portin serve` runs it in a child process; `tests/acceptance` covers that)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from portin.config import Settings
from portin.delivery.background import WorkerThread
from portin.delivery.worker import DeliveryWorker
from portin.storage.db import Database


@contextmanager
def running_worker(db: Database, settings: Settings) -> Iterator[DeliveryWorker]:
    thread = WorkerThread(db, settings)
    thread.start()
    try:
        yield thread.worker
    finally:
        thread.stop(timeout=30)
