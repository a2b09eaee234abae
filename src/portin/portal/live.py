"""GET /live: a Server-Sent Events stream for the signed-in portal user, one `changed` message
whenever the organization's event feed or deliveries move; static/portal.js refreshes the
live parts of the page on it (and polls every 3 s when the stream cannot be had).

Bounded: a ping comment keeps it alive through proxies, it ends when the client goes away
(the response cancels the generator), when the server shuts down, when the session ends, after
LIFETIME_SECONDS (the browser reconnects on its own, signed in again), or when the database
cannot be reached."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from portin.api.deps import get_db, get_settings
from portin.config import Settings
from portin.domain.timefmt import utcnow
from portin.metrics import PORTAL_STREAMS_OPEN
from portin.portal.web import SESSION_COOKIE
from portin.services.users import session_of
from portin.storage.change_marks import ChangeMark, change_mark
from portin.storage.database_errors import DATABASE_ERRORS, is_unreachable
from portin.storage.db import Database

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

PATH = "/live"
MESSAGE = "changed"
LIFETIME_SECONDS = 600
RETRY_MS = 3000  # an EventSource reconnects after this long


def _mark_of(db: Database, token: str) -> ChangeMark | None:
    """The organization's change mark, or None when the session is no longer valid."""
    with db.reading() as session:
        user = session_of(session, token, utcnow())
        if user is None:
            return None
        return change_mark(session, user.organization_id)


@router.get(PATH, response_model=None)
async def live(request: Request, db: Database = Depends(get_db),
               settings: Settings = Depends(get_settings)) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    first = await anyio.to_thread.run_sync(_mark_of, db, token) if token else None
    if first is None:
        # Not a redirect: an EventSource cannot follow one to a page; 401 ends its retries.
        return Response("Sign in first.", status_code=401, media_type="text/plain")
    return EventSourceResponse(
        _changes(db, token, first, max(settings.event_stream_poll_seconds, 0.5)),
        ping=settings.event_stream_ping_seconds, send_timeout=30)


async def _changes(db: Database, token: str, mark: ChangeMark, poll_seconds: float
                   ) -> AsyncIterator[ServerSentEvent]:
    PORTAL_STREAMS_OPEN.inc()
    ends = time.monotonic() + LIFETIME_SECONDS
    try:
        # The first message says the stream is up (the page stops polling) and refreshes
        # the page once: what moved before this mark was read would go unseen otherwise.
        yield ServerSentEvent("open", event=MESSAGE, retry=RETRY_MS)
        while time.monotonic() < ends:
            await anyio.sleep(poll_seconds)
            try:
                now = await anyio.to_thread.run_sync(_mark_of, db, token)
            except DATABASE_ERRORS as exc:
                if not is_unreachable(exc):
                    raise
                log.warning("portal live stream ended: the database cannot be reached (%s)",
                            type(exc).__name__)
                return
            if now is None:
                return  # signed out or expired: the pages' polls go to sign-in
            if now != mark:
                mark = now
                yield ServerSentEvent("changed", event=MESSAGE)
    finally:
        PORTAL_STREAMS_OPEN.dec()
