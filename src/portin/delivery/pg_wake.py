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
                          stop: asyncio.Event, retry_seconds: float = 5.0) -> None:
    """Call `woken` for every notification until `stop`; reconnect after a failure. Polling
    goes on beside this, so a lost connection only makes wake-ups slower, never lost.
    While the database is away, one line says so and one when listening again: not a line
    (psycopg's messages span several) every `retry_seconds`."""
    failing = False
    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(
                    libpq_url(sqlalchemy_url), autocommit=True) as connection:
                await connection.execute(f"LISTEN {WAKE_CHANNEL}")
                if failing:
                    log.info("listening for new deliveries again")
                    failing = False
                async for _notice in connection.notifies():
                    woken()
                    if stop.is_set():
                        return
        except (psycopg.Error, OSError) as exc:
            if not failing:
                log.warning("listening for new deliveries failed (%s: %s); polling meanwhile"
                            " and trying again every %g s", type(exc).__name__,
                            _first_line(exc), retry_seconds)
                failing = True
            try:
                await asyncio.wait_for(stop.wait(), timeout=retry_seconds)
            except TimeoutError:
                pass


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""
