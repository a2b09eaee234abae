"""Run the real delivery worker in a background thread (its own event loop) for a test."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from portin.config import Settings
from portin.delivery.worker import DeliveryWorker
from portin.storage.db import Database


@contextmanager
def running_worker(db: Database, settings: Settings) -> Iterator[DeliveryWorker]:
    worker = DeliveryWorker(db, settings)
    started = threading.Event()
    state: dict[str, object] = {}

    def main() -> None:
        async def go() -> None:
            stop = asyncio.Event()
            state["stop"] = stop
            state["loop"] = asyncio.get_running_loop()
            started.set()
            await worker.run(stop)

        asyncio.run(go())

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield worker
    finally:
        loop = state["loop"]
        stop = state["stop"]
        assert isinstance(loop, asyncio.AbstractEventLoop) and isinstance(stop, asyncio.Event)
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        assert not thread.is_alive(), "the worker did not stop"
