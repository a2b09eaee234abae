"""Waiting out a database outage in a background loop: growing pauses between tries, and one
log line when the database goes away and one when it is back (not a traceback per try)."""

from __future__ import annotations

import logging

from portin.storage.database_errors import is_unreachable

FIRST_PAUSE_SECONDS = 0.1
LONGEST_PAUSE_SECONDS = 5.0


class OutageBackoff:
    """`failed(exc)` after a database call failed, `succeeded()` after one worked."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log = log
        self.what = what
        self.pause: float | None = None  # seconds before the next try; None: no outage

    @property
    def in_outage(self) -> bool:
        return self.pause is not None

    def failed(self, exc: BaseException) -> bool:
        """Note a failure; returns whether it was an outage (then wait `pause` seconds)."""
        if not is_unreachable(exc):
            return False
        if self.pause is None:
            self.log.warning("%s: the database cannot be reached (%s); trying again in"
                             " growing pauses up to %g s", self.what, type(exc).__name__,
                             LONGEST_PAUSE_SECONDS)
            self.pause = FIRST_PAUSE_SECONDS
        else:
            self.pause = min(self.pause * 2, LONGEST_PAUSE_SECONDS)
        return True

    def succeeded(self) -> None:
        if self.pause is not None:
            self.log.info("%s: the database is back", self.what)
            self.pause = None
