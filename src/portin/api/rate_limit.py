"""Rate limits: per API key, and per client address for failed authentications and sign-ins.

The counting is the `limits` library's moving window over a storage named by a URL
(PORTIN_RATE_LIMIT_STORAGE_URL): `memory://` counts in this process, `redis://...` shares the
counts between API processes. One `RateLimits` is built from the settings in `create_app` and
kept on `app.state`. Identifiers are API key ids and client addresses, never a key itself.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from portin.config import Settings
from portin.domain.errors import RateLimited

log = logging.getLogger(__name__)

NAMESPACE = "portin"
T = TypeVar("T")
D = TypeVar("D")


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self._per_key = parse_many(settings.rate_limit_per_key)
        self._failed_auth = parse_many(settings.rate_limit_failed_auth)
        self._sign_in = parse_many(settings.rate_limit_sign_in)
        self._limiter = MovingWindowRateLimiter(
            storage_from_string(settings.rate_limit_storage_url, wrap_exceptions=True))

    def count_key_request(self, key_id: str) -> None:
        """One request of an authenticated key; refused once the key is over its limit."""
        self._hit(self._per_key, ("key", key_id),
                  "Too many requests with this API key; slow down and retry after the"
                  " Retry-After seconds.")

    def refuse_if_failing_auth(self, address: str) -> None:
        """Before looking at a key: an address that failed too often waits, whatever it sends."""
        if not self.enabled:
            return
        for item in self._failed_auth:
            if not self._passes(item, ("failed-auth", address)):
                raise self._refusal(item, ("failed-auth", address),
                                    "Too many failed authentications from your address; retry"
                                    " after the Retry-After seconds.")

    def count_failed_auth(self, address: str) -> None:
        if not self.enabled:
            return
        for item in self._failed_auth:
            _safely(partial(self._limiter.hit, item, NAMESPACE, "failed-auth", address), True)

    def count_sign_in(self, address: str) -> None:
        """One portal sign-in attempt from an address, right or wrong."""
        self._hit(self._sign_in, ("sign-in", address),
                  "Too many sign-in attempts from your address; try again in a minute.")

    def _hit(self, items: list[RateLimitItem], identifiers: tuple[str, ...],
             detail: str) -> None:
        if not self.enabled:
            return
        for item in items:
            if not _safely(partial(self._limiter.hit, item, NAMESPACE, *identifiers), True):
                raise self._refusal(item, identifiers, detail)

    def _passes(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> bool:
        return _safely(partial(self._limiter.test, item, NAMESPACE, *identifiers), True)

    def _refusal(self, item: RateLimitItem, identifiers: tuple[str, ...],
                 detail: str) -> RateLimited:
        stats = _safely(partial(self._limiter.get_window_stats, item, NAMESPACE, *identifiers),
                        None)
        reset = stats.reset_time if stats else time.time() + item.get_expiry()
        return RateLimited(detail, retry_after_seconds=max(1, math.ceil(reset - time.time())))


def _safely(count: Callable[[], T], default: D) -> T | D:
    # A limit store that is down lets requests through rather than failing every one.
    try:
        return count()
    except StorageError as exc:
        log.warning("rate-limit storage failed (%s); request let through",
                    type(exc.storage_error).__name__)
        return default


def limits_of(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


async def rate_limits(request: Request) -> RateLimits:
    """The dependency: async, as it does no I/O, so FastAPI runs it without a worker thread."""
    return limits_of(request)


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (uvicorn applies X-Forwarded-For only from
    the proxies it trusts, --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"
