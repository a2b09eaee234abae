"""The event loop the delivery worker runs on: uvloop where it is installed (it comes with
uvicorn[standard] on Linux and macOS), asyncio's own elsewhere. On this path, sending is
mostly event-loop work, and uvloop's costs less CPU per request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # e.g. on Windows
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
