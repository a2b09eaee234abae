"""The route class of every /v2 router: one worker thread per request, not two.

FastAPI runs a plain `def` endpoint in a worker thread, then hops to a worker thread again to
check its answer against the response model, and once more for each plain `def` dependency.
Each hop costs more than the work of a small request's own step (bench/api.py). A route of
this class runs such an endpoint in one worker thread and checks and encodes its answer on
the event loop, as FastAPI does for an `async def` endpoint; what the endpoint does and how
its parameters and answer are declared (and so the OpenAPI document) do not change.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


class OneHopRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if _plain_function(endpoint):
            endpoint = _in_worker_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _plain_function(endpoint: Callable[..., Any]) -> bool:
    return not (inspect.iscoroutinefunction(endpoint) or inspect.isgeneratorfunction(endpoint)
                or inspect.isasyncgenfunction(endpoint))


def _in_worker_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    # functools.wraps keeps `__wrapped__`, through which FastAPI reads the endpoint's own
    # signature: its parameters, dependencies and return annotation.
    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        return await run_in_threadpool(endpoint, **values)

    return run
