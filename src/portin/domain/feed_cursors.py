"""Event feed cursors: an organization's feed position, written as its decimal digits.

"0" (or no cursor) is the start of the feed; the cursor of an event is its own position, and
following from it gives the events after it. Plain digits keep a cursor usable as a
Server-Sent Events id (`Last-Event-ID`) as it is.
"""

from __future__ import annotations

from portin.domain.errors import InvalidRequest

START = 0
# 18 digits stay inside a signed 64-bit column.
_MAX_DIGITS = 18


def parse(text: str | None, parameter: str) -> int:
    """A cursor's position; InvalidRequest (422) for anything that is not one."""
    if text is None or text == "":
        return START
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        raise InvalidRequest(
            f"{parameter} must be a cursor from the event feed (its decimal digits, at most"
            f" {_MAX_DIGITS}); got {text[:40]!r}.", parameter=parameter)
    return int(text)


def format_cursor(position: int) -> str:
    return str(position)
