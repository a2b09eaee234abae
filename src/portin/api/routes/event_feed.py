"""/v2/porting/event_feed: the organization's events in commit order, by cursor, as pages or
as a live Server-Sent Events stream (portin's addition, issue #10)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from portin.api import resources, responses
from portin.api.deps import get_db, get_settings, org_id, user_caller
from portin.api.query import ParamDoc, Query, parameter_docs
from portin.api.routing import OneHopRoute
from portin.config import Settings
from portin.domain import feed_cursors
from portin.metrics import EVENT_STREAMS_OPEN
from portin.services import event_feed
from portin.services.accounts import Caller
from portin.services.event_feed import FeedPage
from portin.storage.database_errors import DATABASE_ERRORS, is_unreachable
from portin.storage.db import Database

log = logging.getLogger(__name__)

router = APIRouter(route_class=OneHopRoute, prefix="/v2", tags=["Porting events"])

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# How many events the stream reads at a time.
STREAM_BATCH = 100
# The SSE event name of each event (`event:` line); pings are comments.
STREAM_EVENT = "porting_event"
LAST_EVENT_ID = "last-event-id"

_AFTER: ParamDoc = (
    "after", {"type": "string", "pattern": "^[0-9]{1,18}$"},
    "A cursor: the events after it. Omitted or 0: from the first event. Each event carries"
    " its own cursor; meta.next_cursor is the one to ask with next.")
FEED_DOCS: list[ParamDoc] = [
    _AFTER,
    ("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
     "At most this many events."),
]
STREAM_DOCS: list[ParamDoc] = [
    _AFTER,
    ("wait", {"type": "boolean", "default": True},
     "false: send the events there are now and end the stream (no waiting)."),
]
STREAM_HEADER: dict[str, Any] = {
    "name": "Last-Event-ID", "in": "header", "required": False,
    "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
    "description": "The id of the last event received (an EventSource sends it when it"
                   " reconnects): the stream goes on after it. It wins over ?after=."}
# OpenAPI 3.1 (what FastAPI writes): a text/event-stream's `schema` describes one event.
STREAM_ITEM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]{1,18}$",
               "description": "The event's cursor (what Last-Event-ID takes)."},
        "event": {"type": "string", "const": STREAM_EVENT},
        "data": {"type": "string", "contentMediaType": "application/json",
                 "contentSchema": {"$ref": "#/components/schemas/FeedEvent"}},
    },
    "required": ["id", "event", "data"],
}
STREAM_ANSWER: dict[str, Any] = {
    "description": "A text/event-stream: each event is `id: <cursor>`, `event: porting_event`"
                   " and `data: <the FeedEvent as JSON>`; comments are keep-alive pings.",
    "content": {"text/event-stream": {"schema": STREAM_ITEM}},
}


@router.get("/porting/event_feed", summary="Follow the organization's events in commit order",
            openapi_extra=parameter_docs(FEED_DOCS))
def feed(request: Request, caller: Caller = Depends(user_caller),
         db: Database = Depends(get_db)) -> responses.EventFeedPage:
    query = Query(request.query_params)
    after = feed_cursors.parse(query.text("after", max_length=40), "after")
    limit = query.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    with db.reading() as session:
        return resources.feed_page(event_feed.read(session, org_id(caller), after, limit))


def _stream_docs() -> dict[str, Any]:
    docs = parameter_docs(STREAM_DOCS)
    docs["parameters"].append(STREAM_HEADER)
    docs["responses"] = {"200": STREAM_ANSWER}
    return docs


@router.get("/porting/event_feed/stream", summary="Stream the event feed (Server-Sent Events)",
            response_class=EventSourceResponse, openapi_extra=_stream_docs())
async def stream(request: Request, caller: Caller = Depends(user_caller),
                 db: Database = Depends(get_db),
                 settings: Settings = Depends(get_settings)) -> EventSourceResponse:
    query = Query(request.query_params)
    header = request.headers.get(LAST_EVENT_ID)
    after = (feed_cursors.parse(header, "Last-Event-ID") if header is not None
             else feed_cursors.parse(query.text("after", max_length=40), "after"))
    wait = query.boolean("wait") is not False
    organization_id = org_id(caller)
    # The first page is read before the answer starts, so a bad cursor is an error answer.
    first = await anyio.to_thread.run_sync(_read, db, organization_id, after, "after"
                                           if header is None else "Last-Event-ID")
    return EventSourceResponse(
        _events(db, organization_id, first, wait, settings.event_stream_poll_seconds),
        ping=settings.event_stream_ping_seconds, send_timeout=30)


def _read(db: Database, organization_id: str, after: int, parameter: str) -> FeedPage:
    with db.reading() as session:
        return event_feed.read(session, organization_id, after, STREAM_BATCH, parameter)


async def _events(db: Database, organization_id: str, page: FeedPage, wait: bool,
                  poll_seconds: float) -> AsyncIterator[ServerSentEvent]:
    """Each event once, in feed order; then a look for new ones every `poll_seconds` (one
    indexed read). Ends when the client goes (the response cancels this), when the server
    shuts down (sse-starlette ends every stream then), with wait=false once caught up, or when
    the database cannot be reached (the client reconnects with Last-Event-ID)."""
    EVENT_STREAMS_OPEN.inc()
    try:
        while True:
            for row in page.events:
                item = resources.feed_event(row)
                yield ServerSentEvent(item.model_dump_json(), id=item.cursor,
                                      event=STREAM_EVENT)
            if not page.has_more:
                if not wait:
                    return
                await anyio.sleep(poll_seconds)
            try:
                page = await anyio.to_thread.run_sync(_read, db, organization_id,
                                                      page.next_after, "after")
            except DATABASE_ERRORS as exc:
                if not is_unreachable(exc):
                    raise
                log.warning("event stream ended: the database cannot be reached (%s)",
                            type(exc).__name__)
                return
    finally:
        EVENT_STREAMS_OPEN.dec()
