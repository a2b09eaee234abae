"""The delivery worker on a thread of its own, with its own event loop, inside this process.

For tests and embedding: `portin serve` runs the worker in processes of its own instead
(`delivery/processes.py`), because a worker thread shares the interpreter lock with the API."""

from __future__ import annotations

import asyncio
import threading

from portin.config import Settings
from portin.delivery import event_loop
from portin.delivery.worker import DeliveryWorker
from portin.storage.db import Database


class WorkerThread:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.worker = DeliveryWorker(db, settings)
        self._thread = threading.Thread(target=self._main, name="portin-delivery", daemon=True)
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the delivery worker did not start")

    def stop(self, timeout: float = 60) -> None:
        """Graceful: what is being sent finishes and is recorded (see DeliveryWorker.run)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError("the delivery worker did not stop in time")

    def _main(self) -> None:
        async def run() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self.worker.run(self._stop)

        event_loop.run(run())
