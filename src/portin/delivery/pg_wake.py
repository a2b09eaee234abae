"""On PostgreSQL, workers in other processes are woken by LISTEN/NOTIFY instead of waiting
for their next poll."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

from portin.storage.db import WAKE_CHANNEL

log = logging.getLogger(__name__)


def libpq_url(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(
        hide_password=False)


async def listen_for_work(sqlalchemy_url: str, woken: Callable[[], None],
                          stop: asyncio.Event) -> None:
    """Call `woken` for every notification until `stop`; reconnect after a failure. Polling
    goes on beside this, so a lost connection only makes wake-ups slower, never lost."""
    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(
                    libpq_url(sqlalchemy_url), autocommit=True) as connection:
                await connection.execute(f"LISTEN {WAKE_CHANNEL}")
                async for _notice in connection.notifies():
                    woken()
                    if stop.is_set():
                        return
        except (psycopg.Error, OSError) as exc:
            log.warning("listening for new deliveries failed (%s); polling meanwhile", exc)
            try:
                await asyncio.wait_for(stop.wait(), timeout=5)
            except TimeoutError:
                pass
