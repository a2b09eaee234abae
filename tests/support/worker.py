"""Run the real delivery worker (on its own thread and loop, as `portin serve` does) for a test."""

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
